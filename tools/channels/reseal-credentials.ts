/**
 * Key rotation: re-encrypts every channel's credentials under CREDENTIALS_KEY, opening old
 * values with the keys in CREDENTIALS_KEY_PREVIOUS. Rows already sealed with the current key
 * are left alone, so it can be run again after an interruption.
 *
 *   CREDENTIALS_KEY=<new> CREDENTIALS_KEY_PREVIOUS=<old> DATABASE_URL=… npm run credentials:reseal
 *
 * Rotation: deploy the gateway with both variables, run this, then drop the old key.
 */
import { Channel } from '@inbound/domain';
import { channelToolContext, runTool, type ChannelToolContext } from './channel-tool-context';

export async function resealCredentials(
  context: Pick<ChannelToolContext, 'dataSource' | 'cipher'>,
): Promise<{ checked: number; resealed: number }> {
  const { dataSource, cipher } = context;
  if (!cipher.encrypts) throw new Error('CREDENTIALS_KEY is not set: there is no key to seal with');
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

if (require.main === module) {
  runTool(async () => {
    const context = await channelToolContext(process.env);
    try {
      const { checked, resealed } = await resealCredentials(context);
      return `credentials: ${checked} channels checked, ${resealed} resealed under the current key`;
    } finally {
      await context.dataSource.destroy();
    }
  });
}
