/** pending → queued → sent → delivered, or `failed` before delivered; read is `metadata_.read_at`, not a status. */
export const MESSAGE_STATUSES = ['pending', 'queued', 'sent', 'delivered', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** An update only raises the rank. `failed` has none: terminal, yet it does not outrank `delivered`. */
export const STATUS_RANK = {
  pending: 0,
  queued: 1,
  sent: 2,
  delivered: 3,
} as const satisfies Record<Exclude<MessageStatus, 'failed'>, number>;

export const OPEN_STATUSES = ['pending', 'queued', 'sent'] as const satisfies readonly MessageStatus[];

export interface MessageErrorDetails {
  code: string | null;
  message: string | null;
  /** The provider's own word for the failure, e.g. Twilio's `undelivered`. */
  provider_status: string | null;
}

export function isMessageStatus(value: string): value is MessageStatus {
  return (MESSAGE_STATUSES as readonly string[]).includes(value);
}
