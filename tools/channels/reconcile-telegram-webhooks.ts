/**
 * Makes every active Telegram channel's webhook point at us, exactly once:
 * getWebhookInfo per bot; setWebhook only where the URL differs (or no secret is stored).
 * Safe to run again and again: a second run finds everything in place and changes nothing.
 *
 *   DATABASE_URL=… CREDENTIALS_KEY=… WEBHOOK_BASE_URL=https://… npm run channels:reconcile-telegram
 */
import { generateTelegramWebhookSecret } from '@inbound/adapters';
import { Channel } from '@inbound/domain';
import { channelToolContext, runTool, type ChannelToolContext } from './channel-tool-context';

export interface ReconcileSummary {
  checked: number;
  inPlace: number;
  registered: number;
  failed: number;
}

export async function reconcileTelegramWebhooks(context: ChannelToolContext): Promise<ReconcileSummary> {
  const { dataSource, cipher, botApi, webhookBaseUrl } = context;
  const repository = dataSource.getRepository(Channel);
  const channels = await repository.find({ where: { channel_type: 'telegram', is_active: true }, order: { created_at: 'ASC' } });
  const summary: ReconcileSummary = { checked: 0, inPlace: 0, registered: 0, failed: 0 };
  for (const channel of channels) {
    summary.checked += 1;
    const credentials = cipher.open(channel.id, channel.credentials);
    const token = String(credentials.bot_token);
    const url = `${webhookBaseUrl}/webhooks/telegram/${channel.id}`;
    const info = await botApi.getWebhookInfo(token);
    if (info.ok && info.result.url === url && typeof credentials.webhook_secret === 'string') {
      summary.inPlace += 1;
      continue;
    }
    // Keep a stored secret so calls already on their way still verify; make one if none.
    const secret = typeof credentials.webhook_secret === 'string' ? credentials.webhook_secret : generateTelegramWebhookSecret();
    const answer = await botApi.setWebhook(token, url, secret);
    if (answer.ok) {
      channel.credentials = cipher.seal(channel.id, { ...credentials, webhook_secret: secret });
      channel.webhook = { status: 'registered', url, registered_at: new Date().toISOString() };
      summary.registered += 1;
    } else {
      channel.webhook = { status: 'failed', url, error: answer.error, failed_at: new Date().toISOString() };
      summary.failed += 1;
    }
    await repository.save(channel);
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
