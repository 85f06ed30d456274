import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  applyStatusUpdate,
  createDataSource,
  errorDetailsSql,
  GROUP_COUNTERS,
  type GroupCounter,
  type IncomingStatusUpdate,
  LIFECYCLE_UPDATE_KINDS,
  type LifecycleUpdateKind,
  type MessageStatusState,
  mergeStatusChanges,
  statusUpdateSql,
} from '../src';
import { createScratchDatabase } from './support/scratch-database';

/**
 * statusUpdateSql must be the same rules as applyStatusUpdate: for every row state and
 * update, the statement writes the row the pure function predicts and reports the same
 * counter moves. And, run by concurrent consumers, the counters still move once.
 */
describe('statusUpdateSql (on PostgreSQL)', () => {
  let dataSource: DataSource;
  let drop: () => Promise<void>;
  let channelId: string;

  beforeAll(async () => {
    const scratch = await createScratchDatabase('status_sql');
    drop = scratch.drop;
    dataSource = createDataSource({ url: scratch.url, poolSize: 8, applicationName: 'domain-status-sql-spec' });
    await dataSource.initialize();
    await dataSource.runMigrations();
    const [channel] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO channels (account_id, channel_type, name, credentials) VALUES ($1, 'sms', 'campaigns', 'x') RETURNING id`,
      [randomUUID()],
    );
    channelId = channel.id;
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await drop?.();
  });

  const t = (minute: number): Date => new Date(Date.UTC(2026, 0, 1, 0, minute));
  const ERROR = { code: '30003', message: "it's unreachable", provider_status: 'undelivered' };
  const EMPTY: MessageStatusState = { status: 'pending', sent_at: null, delivered_at: null, failed_at: null, read_at: null, error_details: null };
  const STATES: Record<string, MessageStatusState> = {
    pending: EMPTY,
    queued: { ...EMPTY, status: 'queued' },
    'queued, sent_at already known': { ...EMPTY, status: 'queued', sent_at: t(1) },
    sent: { ...EMPTY, status: 'sent', sent_at: t(1) },
    'delivered, unread': { ...EMPTY, status: 'delivered', sent_at: t(1), delivered_at: t(2) },
    'delivered, read': { ...EMPTY, status: 'delivered', sent_at: t(1), delivered_at: t(2), read_at: t(3).toISOString() },
    'delivered, no times': { ...EMPTY, status: 'delivered' },
    failed: { ...EMPTY, status: 'failed', sent_at: t(1), failed_at: t(2), error_details: { code: '1', message: null, provider_status: null } },
    'failed, never sent': { ...EMPTY, status: 'failed', failed_at: t(2), error_details: { code: '1', message: null, provider_status: null } },
  };

  /** Applies one update to one message with the reference statement; returns the counters that moved. */
  async function applyWithSql(manager: EntityManager, messageId: string, incoming: IncomingStatusUpdate): Promise<GroupCounter[]> {
    const kind = incoming.status as LifecycleUpdateKind;
    const failed = kind === 'failed';
    const sql = statusUpdateSql(kind, {
      row: 'm',
      at: '$2::timestamptz',
      errorDetails: failed ? errorDetailsSql('$3', '$4', '$5') : undefined,
    });
    const params: unknown[] = [messageId, incoming.timestamp];
    if (failed) params.push(incoming.error_code ?? null, incoming.error_message ?? null, incoming.provider_status ?? null);
    // The UPDATE sits in a CTE so that the statement is a SELECT: TypeORM answers a bare
    // UPDATE with [rows, rowCount] rather than the rows.
    const rows = await manager.query<Array<Record<GroupCounter, boolean>>>(
      `WITH before AS (
         SELECT m.id, ${GROUP_COUNTERS.map((counter) => `${sql.counterMoves[counter]} AS ${counter}`).join(', ')}
         FROM messages m WHERE m.id = $1 AND $2::timestamptz IS NOT NULL FOR UPDATE
       ), changed AS (
         UPDATE messages m SET ${sql.assignments.join(', ')}, updated_at = now()
         FROM before WHERE m.id = before.id AND ${sql.changesRow}
         RETURNING ${GROUP_COUNTERS.map((counter) => `before.${counter}`).join(', ')}
       )
       SELECT * FROM changed`,
      params,
    );
    return rows.length === 0 ? [] : GROUP_COUNTERS.filter((counter) => rows[0][counter]);
  }

  async function insertMessage(state: MessageStatusState, groupMessageId: string | null = null): Promise<string> {
    const metadata: Record<string, string> = { provider_message_id: randomUUID() };
    if (state.read_at) metadata['read_at'] = state.read_at;
    const [row] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO messages (account_id, channel_id, group_message_id, direction, delivery_address, status, sent_at, delivered_at, failed_at, metadata_, error_details)
       VALUES ($1, $2, $3, 'outbound', '+15550001111', $4, $5, $6, $7, $8, $9) RETURNING id`,
      [randomUUID(), channelId, groupMessageId, state.status, state.sent_at, state.delivered_at, state.failed_at, metadata, state.error_details],
    );
    return row.id;
  }

  async function loadState(messageId: string): Promise<MessageStatusState> {
    const [row] = await dataSource.query(
      `SELECT status, sent_at, delivered_at, failed_at, metadata_->>'read_at' AS read_at, error_details FROM messages WHERE id = $1`,
      [messageId],
    );
    return row;
  }

  const cases = Object.keys(STATES).flatMap((state) =>
    LIFECYCLE_UPDATE_KINDS.flatMap((kind) => [0, 2, 10].map((minute) => [state, kind, minute] as const)),
  );

  it.each(cases)('%s + %s at minute %d: same row and counters as applyStatusUpdate', async (stateName, kind, minute) => {
    const state = STATES[stateName];
    const incoming: IncomingStatusUpdate = {
      status: kind,
      timestamp: t(minute).toISOString(),
      ...(kind === 'failed' ? { error_code: ERROR.code, error_message: ERROR.message, provider_status: ERROR.provider_status } : {}),
    };
    const outcome = applyStatusUpdate(state, incoming);
    const expectedState = outcome.kind === 'changed' ? mergeStatusChanges(state, outcome.changes) : state;
    const expectedCounters = outcome.kind === 'changed' ? [...outcome.counters].sort() : [];

    const messageId = await insertMessage(state);
    const moved = await dataSource.transaction((manager) => applyWithSql(manager, messageId, incoming));

    expect(await loadState(messageId)).toEqual(expectedState);
    expect([...moved].sort()).toEqual(expectedCounters);
  });

  it('rejects a failed update without error details', () => {
    expect(() => statusUpdateSql('failed', { row: 'm', at: '$2' })).toThrow('errorDetails');
  });

  it('moves each counter once when concurrent consumers apply duplicate and overlapping updates', async () => {
    const [group] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO group_messages (account_id, channel_id, total_count) VALUES ($1, $2, 1) RETURNING id`,
      [randomUUID(), channelId],
    );
    const messageId = await insertMessage({ ...EMPTY, status: 'sent', sent_at: t(1) }, group.id);
    const updates: IncomingStatusUpdate[] = [3, 4, 5, 6].flatMap((minute) => [
      { status: 'delivered', timestamp: t(minute).toISOString() },
      { status: 'read', timestamp: t(minute + 1).toISOString() },
      { status: 'failed', timestamp: t(minute + 2).toISOString(), error_code: 'x' },
    ]);

    // One transaction per update, all at once, as competing consumers would run them.
    await Promise.all(
      updates.map((incoming) =>
        dataSource.transaction(async (manager) => {
          const moved = await applyWithSql(manager, messageId, incoming);
          if (moved.length === 0) return;
          await manager.query(
            `UPDATE group_messages SET ${moved.map((counter) => `${counter} = ${counter} + 1`).join(', ')}, updated_at = now() WHERE id = $1`,
            [group.id],
          );
        }),
      ),
    );

    const [counts] = await dataSource.query(`SELECT delivered_count, failed_count, read_count FROM group_messages WHERE id = $1`, [group.id]);
    const final = await loadState(messageId);
    // Which of delivered/failed wins depends on who takes the lock first; the counters always agree with the row.
    expect(counts).toEqual({
      delivered_count: final.status === 'delivered' ? 1 : 0,
      failed_count: final.status === 'failed' ? 1 : 0,
      read_count: final.read_at === null ? 0 : 1,
    });
    expect(counts.delivered_count + counts.failed_count).toBe(1);
  });
});
