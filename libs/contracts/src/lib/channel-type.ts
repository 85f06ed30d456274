/** The channel kinds a webhook route can carry; also the suffix of `webhook.inbound.<channel_type>`. */
export const CHANNEL_TYPES = ['telegram', 'whatsapp', 'sms', 'messenger', 'email', 'bridge', 'unipile'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export function isChannelType(value: unknown): value is ChannelType {
  return typeof value === 'string' && (CHANNEL_TYPES as readonly string[]).includes(value);
}
