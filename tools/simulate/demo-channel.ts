/**
 * The demo channel of a kind: created once through POST /channels with generated credentials,
 * then reused. The admin API has no channel listing, so the channel id and the secrets the
 * simulator signs with are kept in `.simulator.json` (git-ignored, mode 600), per gateway,
 * account and kind. A remembered channel that is gone, inactive or of another type is replaced;
 * for a provider registered through its API, the remembered channel is pointed at this run's
 * stand-in of that API and activated (each run ends by deactivating it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AdminClient, ChannelView } from './admin-client';
import type { ProviderApiSession, ProviderKind } from './provider-calls';

interface StoredChannel {
  channel_id: string;
  secrets: Record<string, string>;
}

interface SimulatorState {
  channels: Record<string, StoredChannel>;
}

export interface DemoChannel {
  channel: ChannelView;
  secrets: Record<string, string>;
  created: boolean;
}

export async function demoChannel(
  admin: AdminClient,
  provider: ProviderKind,
  where: { gateway: string; accountId: string; stateFile: string },
  api?: ProviderApiSession,
): Promise<DemoChannel> {
  const state = readState(where.stateFile);
  const key = `${where.gateway} ${where.accountId} ${provider.kind}`;
  const stored = state.channels[key];
  if (stored) {
    const channel = await admin.getChannel(stored.channel_id);
    const ours = channel && channel.channel_type === provider.channelType && channel.account_id === where.accountId;
    if (ours && api) {
      // A new API origin: the gateway registers the webhook at this run's stand-in.
      const reactivated = await admin.updateChannel(channel.id, { is_active: true, credentials: provider.newCredentials(api).credentials });
      return { channel: reactivated, secrets: stored.secrets, created: false };
    }
    if (ours && channel.is_active) return { channel, secrets: stored.secrets, created: false };
  }
  const { credentials, secrets } = provider.newCredentials(api);
  const channel = await admin.createChannel({
    account_id: where.accountId,
    channel_type: provider.channelType,
    name: `simulator ${provider.kind}`,
    credentials,
  });
  state.channels[key] = { channel_id: channel.id, secrets };
  writeFileSync(where.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return { channel, secrets, created: true };
}

function readState(file: string): SimulatorState {
  if (!existsSync(file)) return { channels: {} };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SimulatorState>;
    return { channels: parsed.channels ?? {} };
  } catch {
    return { channels: {} };
  }
}
