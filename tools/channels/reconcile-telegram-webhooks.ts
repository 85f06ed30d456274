/**
 * Points every active Telegram channel's webhook at us: setWebhook only where getWebhookInfo differs (or no secret is
 * stored), so reruns change nothing. Secrets and locks: docs/GATEWAY.md, "Telegram secret rotation".
 *
 *   DATABASE_URL=… CREDENTIALS_KEY=… WEBHOOK_BASE_URL=https://… npm run channels:reconcile-telegram
 */
import { telegramRegistrationCredentials } from '@inbound/adapters';
import { Channel, type ChannelWebhookState } from '@inbound/domain';
import type { EntityManager } from 'typeorm';
import { channelToolContext, runTool, type ChannelToolContext } from './channel-tool-context';

export interface ReconcileSummary {
  checked: number;
  inPlace: number;
  registered: number;
  failed: number;
}

type Credentials = Record<string, unknown>;

const hasSecret = (credentials: Credentials) => typeof credentials.webhook_secret === 'string' && credentials.webhook_secret !== '';

function lockedTelegramChannel(manager: EntityManager, id: string): Promise<Channel | null> {
  return manager
    .getRepository(Channel)
    .findOne({ where: { id, channel_type: 'telegram', is_active: true }, lock: { mode: 'pessimistic_write' } });
}

export async function reconcileTelegramWebhooks(context: ChannelToolContext): Promise<ReconcileSummary> {
  const { dataSource, cipher, botApi, webhookBaseUrl } = context;
  const channels = await dataSource
    .getRepository(Channel)
    .find({ where: { channel_type: 'telegram', is_active: true }, order: { created_at: 'ASC' } });
  const summary: ReconcileSummary = { checked: 0, inPlace: 0, registered: 0, failed: 0 };
  for (const listed of channels) {
    summary.checked += 1;
    const id = listed.id;
    const url = `${webhookBaseUrl}/webhooks/telegram/${id}`;
    const listedCredentials = cipher.open(id, listed.credentials);
    const info = await botApi.getWebhookInfo(String(listedCredentials.bot_token));
    if (info.ok && info.result.url === url && hasSecret(listedCredentials)) {
      summary.inPlace += 1;
      continue;
    }

    // Read again under the lock: the row may have changed since the list was read.
    const credentials = await dataSource.transaction(async (manager): Promise<Credentials | null> => {
      const channel = await lockedTelegramChannel(manager, id);
      if (!channel) return null;
      const stored = cipher.open(id, channel.credentials);
      // The Telegram definition's rule: the stored secret is kept, a fresh one made only where none is stored.
      const withSecret = telegramRegistrationCredentials(stored, false, new Date());
      if (withSecret === stored) return stored;
      channel.credentials = cipher.seal(id, withSecret);
      await manager.save(channel);
      return withSecret;
    });
    if (!credentials) continue; // deactivated meanwhile: nothing to register

    const answer = await botApi.setWebhook(String(credentials.bot_token), url, String(credentials.webhook_secret));
    const webhook: ChannelWebhookState = answer.ok
      ? { status: 'registered', url, registered_at: new Date().toISOString() }
      : { status: 'failed', url, error: answer.error, failed_at: new Date().toISOString() };
    if (answer.ok) summary.registered += 1;
    else summary.failed += 1;

    await dataSource.transaction(async (manager) => {
      const channel = await lockedTelegramChannel(manager, id);
      if (!channel) return;
      const stored = cipher.open(id, channel.credentials);
      // A change made meanwhile (another bot token or secret) records its own registration.
      if (stored.bot_token !== credentials.bot_token || stored.webhook_secret !== credentials.webhook_secret) return;
      channel.webhook = webhook;
      await manager.save(channel);
    });
  }
  return summary;
}

if (require.main === module) {
  runTool(async () => {
    const context = await channelToolContext(process.env);
    try {
      const s = await reconcileTelegramWebhooks(context);
      return `telegram webhooks: ${s.checked} checked, ${s.inPlace} in place, ${s.registered} registered, ${s.failed} failed`;
    } finally {
      await context.dataSource.destroy();
    }
  });
}
