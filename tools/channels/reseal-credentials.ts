/**
 * Key rotation: re-encrypts every channel's credentials and both signing secrets of every webhook
 * subscription under CREDENTIALS_KEY, opening old values with the keys in CREDENTIALS_KEY_PREVIOUS.
 * Values already sealed with the current key are left alone, so it can be run again after an
 * interruption. A subscription secret that cannot be opened is reported and left as it is; the
 * command then exits 1, as that subscription still needs a previous key.
 *
 *   CREDENTIALS_KEY=<new> CREDENTIALS_KEY_PREVIOUS=<old> DATABASE_URL=… npm run credentials:reseal
 *
 * Rotation: deploy the gateway and the event-dispatcher with both variables, run this, then drop the old key.
 */
import { Channel, type CredentialsCipher, WebhookSubscription } from '@inbound/domain';
import type { DataSource } from 'typeorm';
import { channelToolContext, runTool, type ChannelToolContext, type ToolFailure } from './channel-tool-context';

/** The sealed columns of `webhook_subscriptions`; `previous_secret` may be NULL. */
const SUBSCRIPTION_SECRETS = ['secret', 'previous_secret'] as const;
type SecretColumn = (typeof SUBSCRIPTION_SECRETS)[number];

export interface UnreadableSecret {
  subscriptionId: string;
  column: SecretColumn;
  reason: string;
}

export interface ResealSummary {
  channels: { checked: number; resealed: number };
  /** `resealed` counts subscriptions with at least one value resealed; `unreadable` lists every value left as it was. */
  subscriptions: { checked: number; resealed: number; unreadable: UnreadableSecret[] };
}

export async function resealCredentials(context: Pick<ChannelToolContext, 'dataSource' | 'cipher'>): Promise<ResealSummary> {
  const { dataSource, cipher } = context;
  if (!cipher.encrypts) throw new Error('CREDENTIALS_KEY is not set: there is no key to seal with');
  return { channels: await resealChannels(dataSource, cipher), subscriptions: await resealSubscriptions(dataSource, cipher) };
}

async function resealChannels(dataSource: DataSource, cipher: CredentialsCipher): Promise<ResealSummary['channels']> {
  let checked = 0;
  let resealed = 0;
  const ids = (await dataSource.getRepository(Channel).find({ select: { id: true }, order: { id: 'ASC' } })).map((row) => row.id);
  for (const id of ids) {
    checked += 1;
    // One short transaction per row, with the row locked, so a concurrent PATCH is not lost.
    const changed = await dataSource.transaction(async (manager) => {
      const channel = await manager.getRepository(Channel).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!channel || !cipher.needsResealing(channel.credentials)) return false;
      await manager.getRepository(Channel).update({ id }, { credentials: cipher.seal(id, cipher.open(id, channel.credentials)) });
      return true;
    });
    if (changed) resealed += 1;
  }
  return { checked, resealed };
}

async function resealSubscriptions(dataSource: DataSource, cipher: CredentialsCipher): Promise<ResealSummary['subscriptions']> {
  let checked = 0;
  let resealed = 0;
  const unreadable: UnreadableSecret[] = [];
  const repository = dataSource.getRepository(WebhookSubscription);
  const ids = (await repository.find({ select: { id: true }, order: { id: 'ASC' } })).map((row) => row.id);
  for (const id of ids) {
    checked += 1;
    // As for channels: one short transaction per row, locked, so a concurrent rotate-secret is not lost.
    const changed = await dataSource.transaction(async (manager) => {
      const subscription = await manager.getRepository(WebhookSubscription).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!subscription) return false;
      const update: Partial<Pick<WebhookSubscription, SecretColumn>> = {};
      for (const column of SUBSCRIPTION_SECRETS) {
        const stored = subscription[column];
        if (stored === null || !cipher.needsResealing(stored)) continue;
        let opened: Record<string, unknown>;
        try {
          opened = cipher.open(id, stored);
        } catch (error) {
          // Never overwritten: the key that sealed it may yet be configured, and the value opened again.
          unreadable.push({ subscriptionId: id, column, reason: (error as Error)?.message ?? String(error) });
          continue;
        }
        update[column] = cipher.seal(id, opened);
      }
      if (Object.keys(update).length === 0) return false;
      await manager.getRepository(WebhookSubscription).update({ id }, update);
      return true;
    });
    if (changed) resealed += 1;
  }
  return { checked, resealed, unreadable };
}

/** The command's output: one line for channels, one for subscriptions, one per value it could not open. */
export function resealReport({ channels, subscriptions }: ResealSummary): string | ToolFailure {
  const lines = [
    `channel credentials: ${channels.checked} channels checked, ${channels.resealed} resealed under the current key`,
    `subscription secrets: ${subscriptions.checked} subscriptions checked, ${subscriptions.resealed} resealed under the current key, ` +
      `${subscriptions.unreadable.length} secrets unreadable`,
    ...subscriptions.unreadable.map(
      ({ subscriptionId, column, reason }) => `unreadable: subscription ${subscriptionId} ${column} left as it is (${reason})`,
    ),
  ];
  return subscriptions.unreadable.length === 0 ? lines.join('\n') : { summary: lines.join('\n'), failed: true };
}

if (require.main === module) {
  runTool(async () => {
    const context = await channelToolContext(process.env);
    try {
      return resealReport(await resealCredentials(context));
    } finally {
      await context.dataSource.destroy();
    }
  });
}
