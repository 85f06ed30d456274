import type { ChannelType } from '@inbound/contracts';
import type { AdapterDependencies, ChannelCredentials, ProviderAdapter } from './shared/adapter.types';
import { CredentialsError, credentialField, type Credentials } from './shared/credential-rules';
import {
  apiSetupOf,
  type DevelopmentFileSetting,
  type ProviderApiSetting,
  type ProviderDefinition,
  type WebhookBodyLimit,
} from './shared/provider-definition';
import { bridgeProvider } from './bridge/bridge.provider';
import { mailgunProvider } from './mailgun/mailgun.provider';
import { messengerProvider } from './messenger/messenger.provider';
import { postmarkProvider } from './postmark/postmark.provider';
import { resendProvider } from './resend/resend.provider';
import { sendgridProvider } from './sendgrid/sendgrid.provider';
import { sesProvider } from './ses/ses.provider';
import { smsProvider } from './sms/sms.provider';
import { telegramProvider } from './telegram/telegram.provider';
import { unipileProvider } from './unipile/unipile.provider';
import { whatsappProvider } from './whatsapp/whatsapp.provider';

/** Adding a provider is adding its folder and one line here (docs/ADDING-A-PROVIDER.md, "3. Register it"). */
export const PROVIDER_DEFINITIONS = [
  telegramProvider,
  whatsappProvider,
  messengerProvider,
  smsProvider,
  resendProvider,
  sendgridProvider,
  sesProvider,
  mailgunProvider,
  postmarkProvider,
  bridgeProvider,
  unipileProvider,
] as const satisfies readonly ProviderDefinition[];

type ChannelTypeWithoutProvider = Exclude<ChannelType, (typeof PROVIDER_DEFINITIONS)[number]['channelType']>;
// Does not compile, naming the channel type, while a channel type has no provider.
const everyChannelTypeHasAProvider: [ChannelTypeWithoutProvider] extends [never] ? true : { missing: ChannelTypeWithoutProvider } = true;
void everyChannelTypeHasAProvider;

const hasOwn = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

// Indexed once: the webhook path looks a channel's provider up on every call.
const DEFINITIONS_BY_CHANNEL_TYPE = new Map<string, readonly ProviderDefinition[]>();
for (const definition of PROVIDER_DEFINITIONS) {
  DEFINITIONS_BY_CHANNEL_TYPE.set(definition.channelType, [...(DEFINITIONS_BY_CHANNEL_TYPE.get(definition.channelType) ?? []), definition]);
}

/** The definitions serving a channel type: one, or several picked by `credentials.provider`. */
export function providerDefinitionsOf(channelType: ChannelType): readonly ProviderDefinition[] {
  return DEFINITIONS_BY_CHANNEL_TYPE.get(channelType) ?? [];
}

/** The values `credentials.provider` takes for a channel type; empty when it has one provider. */
export function credentialsProvidersOf(channelType: ChannelType): string[] {
  return providerDefinitionsOf(channelType).flatMap((definition) =>
    definition.credentialsProvider === null ? [] : [definition.credentialsProvider],
  );
}

/** The provider of a channel, or undefined when its type or `credentials.provider` has none. */
export function providerDefinitionFor(channelType: ChannelType, credentials: ChannelCredentials): ProviderDefinition | undefined {
  const provider = hasOwn(credentials, 'provider') ? credentials.provider : undefined;
  return providerDefinitionsOf(channelType).find(
    (definition) =>
      definition.credentialsProvider === null || (typeof provider === 'string' && definition.credentialsProvider === provider),
  );
}

/** Checks credentials (docs/CONTRACTS.md, "Credentials") and fills in generated values; throws CredentialsError naming the first bad field. */
export function prepareChannelCredentials(channelType: ChannelType, input: Credentials): Credentials {
  const definition = providerDefinitionFor(channelType, input);
  if (!definition) {
    const providers = credentialsProvidersOf(channelType);
    throw new CredentialsError(credentialField('provider'), `must be one of ${providers.join(', ')}`);
  }
  return definition.credentials.prepare({ ...input });
}

/** A PATCH merged key by key, then checked; the server-owned keys are kept from the stored credentials. */
export function mergeChannelCredentials(channelType: ChannelType, stored: Credentials, patch: Credentials): Credentials {
  const owned = new Set(providerDefinitionsOf(channelType).flatMap((definition) => definition.credentials.serverOwnedKeys));
  const callerSet = Object.fromEntries(Object.entries(stored).filter(([key]) => !owned.has(key)));
  const serverSet = Object.fromEntries(Object.entries(stored).filter(([key]) => owned.has(key)));
  return { ...prepareChannelCredentials(channelType, { ...callerSet, ...patch }), ...serverSet };
}

export function hasVerificationChallenge(channelType: ChannelType): boolean {
  return providerDefinitionsOf(channelType).some((definition) => definition.verificationChallenge !== null);
}

/** The channel types whose routes take larger bodies than the default, with the limit each. */
export function webhookBodyLimits(): Array<{ channelType: ChannelType; limit: WebhookBodyLimit }> {
  return PROVIDER_DEFINITIONS.flatMap((definition) =>
    definition.webhookBodyLimit === null
      ? []
      : [{ channelType: definition.channelType as ChannelType, limit: definition.webhookBodyLimit }],
  );
}

/** The body limit settings the gateway reads from its environment, one per variable. */
export function webhookBodyLimitSettings(): WebhookBodyLimit[] {
  return uniqueBy(
    webhookBodyLimits().map(({ limit }) => limit),
    (limit) => limit.variable,
  );
}

/** The provider API origins the gateway reads from its environment, one per variable. */
export function providerApiSettings(): ProviderApiSetting[] {
  return uniqueBy(
    PROVIDER_DEFINITIONS.flatMap((definition): ProviderApiSetting[] => {
      const api = apiSetupOf(definition.webhook);
      return api ? [api.api] : [];
    }),
    (setting) => setting.baseUrlVariable,
  );
}

/** The development-only files the gateway reads for its providers (refused in production), one per variable. */
export function providerDevelopmentFiles(): DevelopmentFileSetting[] {
  return uniqueBy(
    PROVIDER_DEFINITIONS.flatMap((definition) => (definition.developmentFile === null ? [] : [definition.developmentFile])),
    (setting) => setting.variable,
  );
}

/** Everything the providers declare that the gateway reads from its environment (libs/runtime's ProviderSettings). */
export function providerSettings() {
  return { apiSettings: providerApiSettings(), bodyLimits: webhookBodyLimits(), developmentFiles: providerDevelopmentFiles() };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

export class AdapterRegistry {
  private readonly cache = new Map<string, ProviderAdapter>();

  constructor(private readonly deps: AdapterDependencies) {}

  /** The adapter for a channel, or undefined when its type or email provider has none. */
  resolve(channelType: ChannelType, credentials: ChannelCredentials): ProviderAdapter | undefined {
    return this.resolveProvider(channelType, credentials)?.adapter;
  }

  resolveProvider(
    channelType: ChannelType,
    credentials: ChannelCredentials,
  ): { definition: ProviderDefinition; adapter: ProviderAdapter } | undefined {
    const definition = providerDefinitionFor(channelType, credentials);
    if (!definition) return undefined;
    let adapter = this.cache.get(definition.name);
    if (!adapter) {
      adapter = definition.createAdapter(this.deps);
      this.cache.set(definition.name, adapter);
    }
    return { definition, adapter };
  }

  static supportedEmailProviders(): string[] {
    return credentialsProvidersOf('email');
  }
}
