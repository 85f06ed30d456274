import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { applyStatusUpdate, changesRowSql, createDataSource, type MessageStatusState } from '../src';
import type { WatermarkStatus } from '@inbound/contracts';
import { createScratchDatabase } from './support/scratch-database';

/**
 * changesRowSql must be the rule of applyStatusUpdate: for every row state and every time of
 * a delivered or read update, PostgreSQL evaluates it true exactly when the pure function
 * says the update changes the row.
 */
describe('changesRowSql (on PostgreSQL)', () => {
  let dataSource: DataSource;
  let drop: () => Promise<void>;
  let channelId: string;

  beforeAll(async () => {
    const scratch = await createScratchDatabase('status_sql');
    drop = scratch.drop;
    dataSource = createDataSource({ url: scratch.url, poolSize: 4, applicationName: 'domain-status-sql-spec' });
    await dataSource.initialize();
    await dataSource.runMigrations();
    const [channel] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO channels (account_id, channel_type, name, credentials) VALUES ($1, 'messenger', 'page', 'x') RETURNING id`,
      [randomUUID()],
    );
    channelId = channel.id;
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await drop?.();
  });

  const t = (minute: number): Date => new Date(Date.UTC(2026, 0, 1, 0, minute));
  const EMPTY: MessageStatusState = {
    status: 'pending',
    sent_at: null,
    delivered_at: null,
    failed_at: null,
    read_at: null,
    error_details: null,
  };
  const STATES: Record<string, MessageStatusState> = {
    pending: EMPTY,
    queued: { ...EMPTY, status: 'queued' },
    sent: { ...EMPTY, status: 'sent', sent_at: t(1) },
    'delivered, unread': { ...EMPTY, status: 'delivered', sent_at: t(1), delivered_at: t(2) },
    'delivered, read': { ...EMPTY, status: 'delivered', sent_at: t(1), delivered_at: t(2), read_at: t(3).toISOString() },
    'delivered, no times': { ...EMPTY, status: 'delivered' },
    failed: {
      ...EMPTY,
      status: 'failed',
      sent_at: t(1),
      failed_at: t(2),
      error_details: { code: '1', message: null, provider_status: null },
    },
  };

  async function insertMessage(state: MessageStatusState): Promise<string> {
    const metadata: Record<string, string> = { provider_message_id: randomUUID() };
    if (state.read_at) metadata['read_at'] = state.read_at;
    const [row] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO messages (account_id, channel_id, direction, delivery_address, status, sent_at, delivered_at, failed_at, metadata_, error_details)
       VALUES ($1, $2, 'outbound', 'psid-1', $3, $4, $5, $6, $7, $8) RETURNING id`,
      [randomUUID(), channelId, state.status, state.sent_at, state.delivered_at, state.failed_at, metadata, state.error_details],
    );
    return row.id;
  }

  const kinds: WatermarkStatus[] = ['delivered', 'read'];
  const cases = Object.keys(STATES).flatMap((state) =>
    kinds.flatMap((kind) => [0, 2, 3, 10].map((minute) => [state, kind, minute] as const)),
  );

  it.each(cases)('%s + %s at minute %d: true exactly when applyStatusUpdate changes the row', async (stateName, kind, minute) => {
    const state = STATES[stateName];
    const at = t(minute).toISOString();
    const expected = applyStatusUpdate(state, { status: kind, timestamp: at }).kind === 'changed';

    const messageId = await insertMessage(state);
    const [row] = await dataSource.query<Array<{ changes: boolean }>>(
      `SELECT ${changesRowSql(kind, 'm', '$2::timestamptz')} AS changes FROM messages m WHERE m.id = $1`,
      [messageId, at],
    );
    expect(row.changes).toBe(expected);
  });
});
