/** One record per call, told apart by `RecordType`. https://postmarkapp.com/developer/webhooks/webhooks-overview */

export type PostmarkRecordType = 'Delivery' | 'Bounce' | 'SpamComplaint' | 'Open' | 'Click' | 'SubscriptionChange';

/** Bounce `Type` names and their `TypeCode`s. https://postmarkapp.com/developer/api/bounce-api#bounce-types */
export const POSTMARK_BOUNCE_TYPE_CODES = {
  HardBounce: 1,
  Transient: 2,
  Unsubscribe: 16,
  Subscribe: 32,
  AutoResponder: 64,
  AddressChange: 128,
  DnsError: 256,
  SpamNotification: 512,
  OpenRelayTest: 1024,
  Unknown: 2048,
  SoftBounce: 4096,
  VirusNotification: 8192,
  ChallengeVerification: 16384,
  BadEmailAddress: 100000,
  SpamComplaint: 100001,
  ManuallyDeactivated: 100002,
  Unconfirmed: 100003,
  Blocked: 100006,
  SMTPApiError: 100007,
  InboundError: 100008,
  DMARCPolicy: 100009,
  TemplateRenderingFailed: 100010,
} as const;

export type PostmarkBounceType = keyof typeof POSTMARK_BOUNCE_TYPE_CODES;

export interface PostmarkRecord {
  RecordType: string;
  /** The id the send API returned: our provider_message_id. */
  MessageID?: string;
  MessageStream?: string;
  Tag?: string;
  /** Delivery, Open, Click, SubscriptionChange. */
  Recipient?: string;
  /** Bounce and SpamComplaint: the bounce record's id. */
  ID?: number;
  /** Bounce and SpamComplaint: e.g. `HardBounce`, `SoftBounce`, `SpamComplaint`. */
  Type?: string;
  TypeCode?: number;
  /** Bounce and SpamComplaint: the recipient. */
  Email?: string;
  Description?: string;
  Details?: string;
  Inactive?: boolean;
  DeliveredAt?: string;
  BouncedAt?: string;
  /** Open and Click. */
  ReceivedAt?: string;
  FirstOpen?: boolean;
  OriginalLink?: string;
  ClickLocation?: string;
  ChangedAt?: string;
  SuppressSending?: boolean;
  SuppressionReason?: string;
  Origin?: string;
}

/** The webhook triggers of ours: every record type the parser turns into a status (postmark.parser.ts). */
export const POSTMARK_SUBSCRIBED_TRIGGERS = [
  'Delivery',
  'Bounce',
  'SpamComplaint',
  'Open',
  'Click',
  'SubscriptionChange',
] as const satisfies readonly PostmarkRecordType[];
