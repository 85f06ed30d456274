import type { ChannelType, InboundMessageEvent, StatusUpdateEvent } from '@inbound/contracts';

export interface WebhookRequest {
  method: string;
  /** The public URL the provider called: WEBHOOK_BASE_URL + path + query. */
  url: string;
  /** Header names in lower case, as Node delivers them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body bytes exactly as received; signatures are checked over these. */
  rawBody: Buffer;
}

export interface ChannelContext {
  id: string;
  account_id: string;
  channel_type: ChannelType;
  /** For the checks tying a payload to this channel: one Meta app secret can serve many numbers and pages. */
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
  /** Reports of the channel's own connection state (a self-hosted bridge): the gateway stores them itself (docs/CONTRACTS.md, `channels.connection`). */
  connections?: ConnectionReport[];
  /** Items left out, by reason; the rest is accepted (refusing all makes the provider resend, then drop, the good ones). */
  skipped?: Partial<Record<SkipReason, number>>;
}

export type SkipReason =
  /** An element of a batch that cannot be read as the provider's event. */
  | 'unreadable_item'
  /** A WhatsApp change for a phone number other than the channel's `phone_number_id`. */
  | 'other_phone_number'
  /** A Messenger entry for a page other than the channel's `page_id`. */
  | 'other_page'
  /** A call whose event type this route does not take (answered 200, so the sender does not retry it). */
  | 'unknown_event_type'
  /** A message the channel's own account sent, reported as received (Unipile reports both directions). */
  | 'own_message'
  /** A read receipt for a message the channel's account did not send: no outbound row of ours to move. */
  | 'not_own_message';

/** The channel's connection as its sender reports it; `reported_at` (ISO-8601 UTC) orders reports. */
export interface ConnectionReport {
  status: string;
  session_id: string;
  reported_at: string;
}

export type ParseErrorKind = 'invalid_json' | 'invalid_payload' | 'unsupported_payload';

export interface ParseError {
  kind: ParseErrorKind;
  detail: string;
}

export type ParseResult = { ok: true; events: ParsedEvents } | { ok: false; error: ParseError };

/** `verify` and `parse` never throw, whatever the input: every failure is a value. */
export interface ProviderAdapter {
  /** `telegram`, `whatsapp`, `messenger`, `sms`, or the email provider's name. */
  readonly provider: string;
  verify(request: WebhookRequest, credentials: ChannelCredentials): Promise<VerifyResult>;
  /** `receivedAt` is when the gateway received the call; parse itself reads no clock. */
  parse(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult;
  /** Told once the call's events are durable and answered 2xx (a replay guard remembers it only then). Never throws. */
  accepted(request: WebhookRequest): void;
}

export interface AdapterDependencies {
  now: () => Date;
  /** Rejects with an HttpStatusError for a non-2xx answer, with any other error when none came. */
  httpGetText: (url: string) => Promise<string>;
  /**
   * Development only: the contents of the files providers declare as `developmentFile`, by variable name; the gateway
   * refuses them in production, so this is empty there.
   */
  developmentFiles?: Readonly<Record<string, string>>;
}
