import type { ChannelType } from '@inbound/contracts';
import type { AdapterDependencies, ChannelCredentials, ProviderAdapter } from './adapter.types';
import type { Credentials } from './credential-rules';

export type AdapterFactory = (deps: AdapterDependencies) => ProviderAdapter;

/** One call to a provider's API: a JSON body, a form body, or none. */
export interface ProviderRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Readonly<Record<string, string>>;
  json?: unknown;
  form?: Readonly<Record<string, string | readonly string[]>>;
}

/** Any status is an answer (providers explain refusals in the body); only an unreachable API throws. */
export interface ProviderAnswer {
  status: number;
  data: unknown;
}

export type ProviderHttp = (request: ProviderRequest) => Promise<ProviderAnswer>;

/** The webhook registration state stored with a channel (the domain's ChannelWebhookState). */
export type WebhookState =
  | RegisteredWebhookState
  | ManualWebhookState
  | { status: 'failed'; url: string; error: string; failed_at: string }
  | { status: 'unregistered'; url: string; unregistered_at: string };

/** Accepted by the provider; `note` says what the registration does not cover (Twilio's status callbacks are set per message). */
export type RegisteredWebhookState = { status: 'registered'; url: string; registered_at: string; note?: string; [detail: string]: unknown };

/** What a person pastes into the provider's console, with the values the console asks for. */
export type ManualWebhookState = { status: 'manual'; url: string; instructions: string; [detail: string]: unknown };

/** `prepare` throws CredentialsError naming the first bad field; `serverOwnedKeys` may be written by the server only. */
export interface CredentialRules {
  prepare(input: Credentials): Credentials;
  serverOwnedKeys: readonly string[];
}

/** A provider whose webhook a person sets up in its console; nothing is called. */
export interface ManualWebhookSetup {
  kind: 'manual';
  /** Stored as the channel's `webhook` and shown on every read: never a secret. */
  instructions(url: string, credentials: Credentials): ManualWebhookState;
  /**
   * Credential keys the server generates for the operator to paste (a signing secret): the answer of
   * the call that generated one adds it to `webhook`; nothing else shows it (it stays in the sealed credentials).
   */
  shownOnce?: readonly string[];
}

/** How a provider's API is reached: the gateway reads the origin from this variable. */
export interface ProviderApiSetting {
  baseUrlVariable: string;
  /** Null: no default, each channel's credentials name its API's origin (the variable, when set, overrides them). */
  defaultBaseUrl: string | null;
}

/** The HTTP the gateway hands a provider's registration: no client library in here. */
export interface ProviderApiAccess {
  /** The variable's origin, else the default; null when neither is set (the channel's credentials say where). */
  baseUrl: string | null;
  http: ProviderHttp;
}

/** The origin of an API that has a default, so always one (every provider's but those whose channels name their own). */
export function apiOrigin(api: ProviderApiAccess): string {
  if (api.baseUrl === null) throw new Error('this provider API has no default origin: its channels name their own');
  return api.baseUrl;
}

/**
 * What a registration ends in. `credentials`: server-owned values the provider gave back (the signing
 * secret it made, the id of the webhook it created), merged into the stored credentials with the state.
 */
export interface RegistrationOutcome {
  webhook: WebhookState;
  credentials?: Credentials;
}

/** Credentials are stored before any call (never a secret the database lacks); the outcome only while `isSameRegistration` holds. */
export interface ApiWebhookSetup {
  kind: 'api';
  api: ProviderApiSetting;
  /** The credentials to register with: on a re-registration fresh secrets, otherwise the stored ones (made when absent). */
  registrationCredentials(credentials: Credentials, reregistration: boolean, now: Date): Credentials;
  /** The credentials tidied on any change (values past their expiry dropped); the same object when nothing changes. */
  tidiedCredentials(credentials: Credentials, now: Date): Credentials;
  /** The credentials once the registration is removed (a deactivated channel). */
  unregisteredCredentials(credentials: Credentials): Credentials;
  isSameRegistration(stored: Credentials, registeredWith: Credentials): boolean;
  /** Idempotent: registering again with the same credentials changes nothing at the provider. */
  register(api: ProviderApiAccess, url: string, credentials: Credentials): Promise<RegistrationOutcome>;
  /** Removes what `register` created (a deactivated channel, a registration replaced). */
  unregister(api: ProviderApiAccess, credentials: Credentials, url: string): Promise<{ ok: true } | { ok: false; error: string }>;
  /**
   * For providers whose registration drifts (edited or duplicated by others): every gateway registers each active
   * channel again at start and at this interval, one replica per channel at a time. Null: only on changes.
   */
  reconcileEveryMs: number | null;
}

/** A provider registered through its API when the channel carries API credentials, set up by hand otherwise. */
export interface ApiWhenCredentialedSetup {
  kind: 'api_when_credentialed';
  usesApi(credentials: Credentials): boolean;
  api: ApiWebhookSetup;
  manual: ManualWebhookSetup;
}

export type WebhookSetupDefinition = ManualWebhookSetup | ApiWebhookSetup | ApiWhenCredentialedSetup;

/** The setup in force for these credentials. */
export function webhookSetupFor(setup: WebhookSetupDefinition, credentials: Credentials): ManualWebhookSetup | ApiWebhookSetup {
  if (setup.kind !== 'api_when_credentialed') return setup;
  return setup.usesApi(credentials) ? setup.api : setup.manual;
}

/** The API side of a setup, whether or not a given channel uses it. */
export function apiSetupOf(setup: WebhookSetupDefinition): ApiWebhookSetup | undefined {
  if (setup.kind === 'api') return setup;
  return setup.kind === 'api_when_credentialed' ? setup.api : undefined;
}

/** The credential keys a setup answer shows only when it generated them (none for most providers). */
export function shownOnceKeys(setup: ManualWebhookSetup | ApiWebhookSetup): readonly string[] {
  return setup.kind === 'manual' ? (setup.shownOnce ?? []) : [];
}

export interface AcceptedAnswer {
  contentType: string;
  body: string;
}

/** The answer most providers expect: any 2xx, here `{"ok":true}`. */
export const JSON_ACCEPTED_ANSWER: AcceptedAnswer = { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ ok: true }) };

/** A GET handshake before the provider sends anything: the text to echo, or undefined to refuse (403). */
export interface VerificationChallenge {
  answer(query: Readonly<Record<string, unknown>>, credentials: ChannelCredentials): string | undefined;
}

/**
 * A file the gateway reads at start for this provider's local development only (a certificate a local stand-in signs
 * with): refused outside NODE_ENV=development or test, and checked before the gateway serves.
 */
export interface DevelopmentFileSetting {
  variable: string;
  /** For the configuration tables: what the file is. */
  meaning: string;
  /** Why this content cannot be used, or undefined when it can. */
  problem(content: string): string | undefined;
}

/** A webhook route whose provider documents bodies above the default limit. */
export interface WebhookBodyLimit {
  variable: string;
  defaultBytes: number;
}

/** Every property required, so a definition that forgets one does not compile; "none" is null. */
export interface ProviderDefinition {
  /** The folder name, and the adapter's `provider`. */
  name: string;
  channelType: ChannelType;
  /** For a channel type several providers serve (email): the `credentials.provider` picking this one. */
  credentialsProvider: string | null;
  credentials: CredentialRules;
  webhook: WebhookSetupDefinition;
  /** Whether a credentials change replaces the registration (a new bot token is a new bot). */
  needsReregistration(before: Credentials, after: Credentials): boolean;
  acceptedAnswer: AcceptedAnswer;
  verificationChallenge: VerificationChallenge | null;
  /** Null: the gateway's default body limit. */
  webhookBodyLimit: WebhookBodyLimit | null;
  /** Null for every provider a local pipeline reaches without one. */
  developmentFile: DevelopmentFileSetting | null;
  createAdapter: AdapterFactory;
}

/** For providers whose registration is never replaced by a credentials change. */
export const neverReregisters = (): boolean => false;
