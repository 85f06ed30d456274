import type { ChannelConnection } from '@inbound/contracts';
import type { Channel, ChannelWebhookState } from '@inbound/domain';

/** A channel as the admin API shows it: flat, and never with its credentials. */
export interface ChannelView {
  id: string;
  account_id: string;
  channel_type: string;
  name: string;
  is_active: boolean;
  webhook_url: string;
  webhook: ChannelWebhookState | { status: 'pending' };
  /** The channel's own connection as it last reported it (a bridge); absent until a first report. */
  connection?: ChannelConnection;
  created_at: string;
  updated_at: string;
}

export function channelView(channel: Channel, webhookUrl: string): ChannelView {
  return {
    id: channel.id,
    account_id: channel.account_id,
    channel_type: channel.channel_type,
    name: channel.name,
    is_active: channel.is_active,
    webhook_url: webhookUrl,
    webhook: 'status' in (channel.webhook ?? {}) ? channel.webhook : { status: 'pending' },
    ...(channel.connection ? { connection: channel.connection } : {}),
    created_at: channel.created_at.toISOString(),
    updated_at: channel.updated_at.toISOString(),
  };
}
