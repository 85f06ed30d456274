/**
 * Longest values the events carry, in UTF-16 code units (JavaScript string length). Adapters
 * cut longer provider text to these; the events' validation refuses anything longer.
 */
export const FIELD_LIMITS = {
  /** provider_message_id, sender_address, sender_name, recipient_address. */
  identifier: 512,
  /** error_code, media_type. */
  code: 255,
  /** error_message, media_url. */
  longText: 4096,
} as const;
