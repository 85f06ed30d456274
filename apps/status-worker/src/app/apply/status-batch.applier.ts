import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { MessageStatus } from '@inbound/domain';
import { isTransactionConflict, SERIALIZATION_FAILURE, sqlStateOf, WORKER_DATA_SOURCE } from '@inbound/runtime';
import type { DataSource, QueryRunner } from 'typeorm';
import { StatusWorkerMetrics } from '../metrics/status-worker.metrics';
import { foldStatusBatch } from './status-batch.fold';
import {
  lockMessagesStatement,
  type LockedRowRecord,
  type SqlStatement,
  uncoveredWatermarksStatement,
  writeBatchStatement,
} from './status-batch.sql';
import type { InformationalRecords, LockedMessage, StatusUpdate, StatusUpdateResult } from './status-batch.types';

/** Attempts of one batch transaction that keeps losing lock races (deadlock, serialization). */
export const TRANSACTION_ATTEMPTS = 5;

/** The guarded UPDATE changed fewer rows than were locked: the lock did not hold. Never expected. */
class LockNotHeldError extends Error {
  readonly code = SERIALIZATION_FAILURE;
}

/** Lock, fold, write (docs/STATUS-WORKER.md, "From queue to commit"); a deadlock or serialization failure reruns it. */
@Injectable()
export class StatusBatchApplier {
  constructor(
    @Inject(WORKER_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly metrics: StatusWorkerMetrics,
  ) {}

  /** One result per update, in order. Throws when the transaction fails for good. */
  async apply(updates: readonly StatusUpdate[]): Promise<StatusUpdateResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyOnce(updates);
      } catch (error) {
        if (!isTransactionConflict(error) || attempt >= TRANSACTION_ATTEMPTS) throw error;
        this.metrics.transactionConflicts.inc({ code: sqlStateOf(error) ?? 'unknown' });
        // A little jitter keeps two conflicting batches from meeting again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20 * attempt));
      }
    }
  }

  private async applyOnce(updates: readonly StatusUpdate[]): Promise<StatusUpdateResult[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const lock = lockMessagesStatement(updates);
      const rows = lock ? (await run<LockedRowRecord>(runner, lock)).map(lockedMessageOf) : [];
      const folded = foldStatusBatch(updates, rows);
      if (folded.writes.length > 0) {
        const [written] = await run<{ changed_rows: number }>(runner, writeBatchStatement(folded.writes, new Date()));
        if (written.changed_rows !== folded.writes.length) {
          throw new LockNotHeldError(`${folded.writes.length - written.changed_rows} locked rows changed under the lock`);
        }
      }
      const results = await this.withUncoveredWatermarks(runner, updates, folded.results);
      await runner.commitTransaction();
      return results;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** A watermark covering no row may name messages not committed yet: it takes the retry path, not an ack. */
  private async withUncoveredWatermarks(
    runner: QueryRunner,
    updates: readonly StatusUpdate[],
    results: StatusUpdateResult[],
  ): Promise<StatusUpdateResult[]> {
    const candidates = results.flatMap((result, index) =>
      result.kind === 'ignored' && result.reason === 'no_messages_covered' ? [index] : [],
    );
    if (candidates.length === 0) return results;
    const uncovered = await run<{ index: number }>(runner, uncoveredWatermarksStatement(candidates.map((index) => updates[index])));
    const next = [...results];
    for (const { index } of uncovered) next[candidates[index]] = { kind: 'not_found' };
    return next;
  }
}

/** What the query runner's connection is underneath: a node-postgres client. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const statementNames = new Map<string, string>();

/**
 * A named statement, so each connection parses and plans it once instead of per batch: planning the write statement
 * cost PostgreSQL as much per batch as a dozen row updates (docs/BENCHMARKS.md). The name follows the text.
 */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `status_worker_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

async function run<T>(runner: QueryRunner, statement: SqlStatement): Promise<T[]> {
  const client = (await runner.connect()) as PgClient;
  const result = await client.query({ name: statementName(statement.text), text: statement.text, values: statement.parameters });
  return result.rows as T[];
}

function lockedMessageOf(record: LockedRowRecord): LockedMessage {
  return {
    id: record.id,
    account_id: record.account_id,
    channel_id: record.channel_id,
    provider_message_id: record.provider_message_id,
    group_message_id: record.group_message_id,
    delivery_address: record.delivery_address,
    created_at: record.created_at,
    state: {
      status: record.status as MessageStatus,
      sent_at: record.sent_at,
      delivered_at: record.delivered_at,
      failed_at: record.failed_at,
      read_at: record.read_at,
      error_details: record.error_details,
    },
    status_events: informationalRecordsOf(record.status_events),
  };
}

/** `metadata_.status_events` as we write it; anything else under that key is not ours to keep. */
function informationalRecordsOf(value: unknown): InformationalRecords {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const records: InformationalRecords = {};
  for (const [kind, entry] of Object.entries(value as Record<string, unknown>)) {
    const record = entry as Record<string, unknown> | null;
    if (record && typeof record['first_at'] === 'string' && typeof record['last_at'] === 'string') {
      records[kind] = record as unknown as InformationalRecords[string];
    }
  }
  return records;
}
