import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { isTransactionConflict, SERIALIZATION_FAILURE, sqlStateOf, WORKER_DATA_SOURCE } from '@inbound/runtime';
import type { DataSource, QueryRunner } from 'typeorm';
import { StatusWorkerMetrics } from '../metrics/status-worker.metrics';
import { applyLifecycleBatch, handedBackToFold, type LifecycleBatchRow } from './lifecycle-batch';
import { foldStatusBatch } from './status-batch.fold';
import {
  lockedMessageOf,
  lockMessagesStatement,
  type LockedRowRecord,
  type SqlStatement,
  uncoveredWatermarksStatement,
  writeBatchStatement,
} from './status-batch.sql';
import type { StatusUpdate, StatusUpdateResult } from './status-batch.types';

/** Attempts of one statement or transaction that keeps losing lock races (deadlock, serialization). */
export const TRANSACTION_ATTEMPTS = 5;

/** The guarded UPDATE changed fewer rows than were locked: the lock did not hold. Never expected. */
class LockNotHeldError extends Error {
  readonly code = SERIALIZATION_FAILURE;
}

/** Runs one statement in the caller's transaction and returns its rows. */
export type StatementRunner = <T>(statement: SqlStatement) => Promise<T[]>;

/**
 * Lock, fold and write (docs/STATUS-WORKER.md, "From queue to commit") in the caller's transaction: one result per
 * update, before the watermark check. Throws LockNotHeldError (a serialization failure) if the guarded write changed
 * fewer rows than it was given.
 */
export async function lockFoldWrite(
  execute: StatementRunner,
  updates: readonly StatusUpdate[],
  createdAt = new Date(),
): Promise<StatusUpdateResult[]> {
  const lock = lockMessagesStatement(updates);
  const rows = lock ? (await execute<LockedRowRecord>(lock)).map(lockedMessageOf) : [];
  const folded = foldStatusBatch(updates, rows);
  if (folded.writes.length > 0) {
    const [written] = await execute<{ changed_rows: number }>(writeBatchStatement(folded.writes, createdAt));
    if (written.changed_rows !== folded.writes.length) {
      throw new LockNotHeldError(`${folded.writes.length - written.changed_rows} locked rows changed under the lock`);
    }
  }
  return folded.results;
}

/**
 * The common batch through the one statement, pass by pass, each statement its own transaction; anything else through
 * lock, fold and write in one transaction (docs/STATUS-WORKER.md, "From queue to commit"). A deadlock or serialization
 * failure reruns the statement or transaction that met it.
 */
@Injectable()
export class StatusBatchApplier {
  constructor(
    @Inject(WORKER_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly metrics: StatusWorkerMetrics,
  ) {}

  /**
   * One result per update, in order. Throws when a statement or transaction fails for good: PartlyAppliedBatchError
   * when earlier passes of the batch had committed.
   */
  async apply(updates: readonly StatusUpdate[]): Promise<StatusUpdateResult[]> {
    const createdAt = new Date();
    const applied = await applyLifecycleBatch(
      updates,
      (statement) => this.applyAlone(statement),
      (part) => this.applyThroughFold(part, createdAt),
      createdAt,
    );
    return applied?.results ?? this.applyThroughFold(updates, createdAt);
  }

  /** One pass through the statement, committed on its own; counted once it applied its pass. */
  private async applyAlone(statement: SqlStatement): Promise<LifecycleBatchRow[]> {
    const rows = await this.retryingConflicts(() => this.runAlone<LifecycleBatchRow>(statement));
    if (!handedBackToFold(rows)) this.metrics.batchPaths.inc({ path: 'one_statement' });
    return rows;
  }

  /** Lock, fold and write in one transaction, then the watermark check; counted once committed. */
  private async applyThroughFold(updates: readonly StatusUpdate[], createdAt: Date): Promise<StatusUpdateResult[]> {
    const results = await this.inTransaction(async (runner) => {
      const folded = await lockFoldWrite((statement) => run(runner, statement), updates, createdAt);
      return this.withUncoveredWatermarks(runner, updates, folded);
    });
    this.metrics.batchPaths.inc({ path: 'fold' });
    return results;
  }

  private async retryingConflicts<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isTransactionConflict(error) || attempt >= TRANSACTION_ATTEMPTS) throw error;
        this.metrics.transactionConflicts.inc({ code: sqlStateOf(error) ?? 'unknown' });
        // A little jitter keeps two conflicting batches from meeting again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20 * attempt));
      }
    }
  }

  /** One statement on a pooled connection outside any transaction block: PostgreSQL commits it on its own. */
  private async runAlone<T>(statement: SqlStatement): Promise<T[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await run<T>(runner, statement);
    } finally {
      await runner.release();
    }
  }

  private inTransaction<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return this.retryingConflicts(async () => {
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        const result = await work(runner);
        await runner.commitTransaction();
        return result;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      } finally {
        await runner.release();
      }
    });
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
  query(config: { name: string; text: string; values: unknown[]; types?: SqlStatement['types'] }): Promise<{ rows: unknown[] }>;
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
  const result = await client.query({
    name: statementName(statement.text),
    text: statement.text,
    values: statement.parameters,
    ...(statement.types ? { types: statement.types } : {}),
  });
  return result.rows as T[];
}
