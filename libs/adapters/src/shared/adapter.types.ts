import type { ChannelType, InboundMessageEvent, StatusUpdateEvent } from '@inbound/contracts';

/** One provider call as the gateway received it. */
export interface WebhookRequest {
  method: string;
  /** The public URL the provider called: WEBHOOK_BASE_URL + path + query. */
  url: string;
  /** Header names in lower case, as Node delivers them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body bytes exactly as received; signatures are checked over these. */
  rawBody: Buffer;
}

/** What an adapter may know of the channel a call is for. */
export interface ChannelContext {
  id: string;
  account_id: string;
  channel_type: ChannelType;
  /**
   * The channel's credentials, for the checks that tie a payload to this channel (a WhatsApp
   * `phone_number_id`, a Messenger `page_id`): one Meta app, and so one app secret, can serve
   * many numbers and pages.
   */
  credentials?: ChannelCredentials;
}

/** A channel's decrypted credentials (docs/CONTRACTS.md, "Credentials"; per provider in docs/PROVIDERS.md). */
export type ChannelCredentials = Readonly<Record<string, unknown>>;

export type RejectionReason =
  | 'missing_signature'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'replayed'
  | 'missing_credentials'
  | 'untrusted_certificate'
  | 'topic_not_allowed'
  /** A provider service the check depends on did not answer (e.g. SNS certificates): retryable. */
  | 'upstream_unavailable';

export type VerifyResult = { ok: true } | { ok: false; reason: RejectionReason; detail?: string };

export interface ParsedEvents {
  inbound: InboundMessageEvent[];
  statuses: StatusUpdateEvent[];
  /**
   * Items of a batch left out, by reason. The rest of the call is still accepted: refusing a
   * whole batch for one item makes the provider resend every good item with it, then drop them.
   */
  skipped?: Partial<Record<SkipReason, number>>;
}

export type SkipReason =
  /** An element of a batch that cannot be read as the provider's event. */
  | 'unreadable_item'
  /** A WhatsApp change for a phone number other than the channel's `phone_number_id`. */
  | 'other_phone_number'
  /** A Messenger entry for a page other than the channel's `page_id`. */
  | 'other_page';

export type ParseErrorKind = 'invalid_json' | 'invalid_payload' | 'unsupported_payload';

export interface ParseError {
  kind: ParseErrorKind;
  detail: string;
}

export type ParseResult = { ok: true; events: ParsedEvents } | { ok: false; error: ParseError };

/**
 * The same small interface for every provider. `verify` and `parse` never throw, whatever
 * the input: every failure is a value the gateway maps to a status code.
 */
export interface ProviderAdapter {
  /** `telegram`, `whatsapp`, `messenger`, `sms`, or the email provider's name. */
  readonly provider: string;
  verify(request: WebhookRequest, credentials: ChannelCredentials): Promise<VerifyResult>;
  /** `receivedAt` is when the gateway received the call; parse itself reads no clock. */
  parse(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult;
  /**
   * Told once the call's events are durable and the call is answered 2xx (a replay guard
   * remembers it only then). Never throws.
   */
  accepted(request: WebhookRequest): void;
}

/** Outside effects an adapter may need, injected so tests can stand in for the provider. */
export interface AdapterDependencies {
  /** Current time, for replay windows. */
  now: () => Date;
  /**
   * HTTPS GET returning the body as text (SNS certificates, subscription confirmation). Rejects
   * with an HttpStatusError for a non-2xx answer, with any other error when none came.
   */
  httpGetText: (url: string) => Promise<string>;
}
