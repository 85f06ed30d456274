/**
 * What the outbound benchmarks (outbound-delivery, realtime) write and read in the outbox: a worker's
 * `message.delivered` envelope, an open-loop writer of committed rows, and the relay's rounds.
 */
import { outboundEventId } from '@inbound/contracts';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { percentile } from './bench-figures';

export interface BenchEnvelope {
  id: string;
  type: string;
  json: string;
}

/** A `message.delivered` envelope as the status worker writes it, for message `n` of a channel. */
export function deliveredEnvelope(accountId: string, n: number, channelId: string): BenchEnvelope {
  const messageId = randomUUID();
  const id = outboundEventId(messageId, 'message.delivered');
  const envelope = {
    id,
    type: 'message.delivered',
    created_at: new Date().toISOString(),
    account_id: accountId,
    data: {
      message_id: messageId,
      channel_id: channelId,
      channel_type: 'whatsapp',
      provider_message_id: `wamid.BENCH${n}`,
      delivery_address: `+1555${String(n % 10_000_000).padStart(7, '0')}`,
      group_message_id: null,
      previous_status: 'sent',
      occurred_at: new Date().toISOString(),
    },
  };
  return { id, type: envelope.type, json: JSON.stringify(envelope) };
}

/** One outbox row, committed on its own as a worker's transaction commits it. */
export async function insertOutboxRow(pool: Pool, accountId: string, envelope: BenchEnvelope): Promise<void> {
  await pool.query(`INSERT INTO outbox_events (id, account_id, type, payload) VALUES ($1, $2, $3, $4)`, [
    envelope.id,
    accountId,
    envelope.type,
    envelope.json,
  ]);
}

export interface OpenLoopWrite {
  rate: number;
  seconds: number;
  /** The account of row `n`. */
  accountOf: (n: number) => string;
  /** Row `n` committed: its event id, when it was due and when its commit returned (performance.now()). */
  onCommitted: (n: number, id: string, scheduledAt: number, committedAt: number) => void;
  /** Each whole second of the run as it passes. */
  onSecond?: (second: number) => void;
}

/** Writes `rate` rows a second for `seconds`, one committed INSERT each, on a fixed schedule (open loop). */
export async function writeOutboxOpenLoop(
  pool: Pool,
  options: OpenLoopWrite,
): Promise<{ written: number; failed: number; seconds: number; lagP99: number }> {
  const { rate } = options;
  const total = Math.round(rate * options.seconds);
  const channelId = randomUUID();
  const lags = new Float64Array(total);
  let sent = 0;
  let settled = 0;
  let failed = 0;
  let second = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    if (total === 0) resolve();
    const write = (n: number) => {
      const scheduledAt = started + (n * 1000) / rate;
      const accountId = options.accountOf(n);
      const envelope = deliveredEnvelope(accountId, n, channelId);
      insertOutboxRow(pool, accountId, envelope)
        .then(
          () => {
            const committedAt = performance.now();
            lags[n] = committedAt - scheduledAt;
            options.onCommitted(n, envelope.id, scheduledAt, committedAt);
          },
          () => (failed += 1),
        )
        .finally(() => {
          if (++settled === total) resolve();
        });
    };
    const tick = () => {
      const now = performance.now();
      // Counted apart from the call: an absent onSecond must not skip the increment.
      while (second < Math.floor((now - started) / 1000)) {
        second += 1;
        options.onSecond?.(second);
      }
      const due = Math.min(total, Math.floor(((now - started) * rate) / 1000) + 1);
      while (sent < due) write(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  lags.sort();
  return { written: total - failed, failed, seconds: (performance.now() - started) / 1000, lagP99: percentile(lags, 0.99) };
}

/** The relay's rounds, from the rows' `published_at` (one per transaction). */
export async function relayRounds(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ at: number; n: number }>(
    `SELECT extract(epoch FROM published_at) * 1000 AS at, count(*)::int AS n FROM outbox_events WHERE published_at IS NOT NULL GROUP BY published_at ORDER BY published_at`,
  );
  if (rows.length < 2) return `${rows.length}`;
  const gaps = Float64Array.from(rows.slice(1).map((round, i) => Number(round.at) - Number(rows[i].at))).sort();
  const sizes = rows.map((round) => round.n);
  return (
    `${rows.length}, mean ${(sizes.reduce((a, b) => a + b, 0) / rows.length).toFixed(1)} rows (max ${Math.max(...sizes)}), ` +
    `round start to next p50 ${percentile(gaps, 0.5).toFixed(0)} ms, p99 ${percentile(gaps, 0.99).toFixed(0)} ms, max ${gaps[gaps.length - 1].toFixed(0)} ms`
  );
}
