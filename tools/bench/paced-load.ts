/**
 * Open loop: calls go on a fixed schedule and latency counts from the scheduled start, so a stall pays for every call it
 * held back. Why not autocannon's `overallRate`: docs/BENCHMARKS.md, "Gateway: signed WhatsApp status calls at 50 connections".
 */
import { Agent, request } from 'node:http';

export interface PacedCall {
  body: string;
  headers: Record<string, string>;
}

export interface PacedLoadOptions {
  url: string;
  /** Calls per second, spread evenly over each second. */
  rate: number;
  seconds: number;
  /** Keep-alive connections the calls share; when all are busy, calls wait (and that wait counts). */
  connections: number;
  nextCall: () => PacedCall;
}

export interface PacedLoadFigures {
  sent: number;
  accepted: number;
  non2xx: number;
  errors: number;
  rps: number;
  /** Latencies in milliseconds, measured from each call's scheduled start. */
  p50: number;
  p99: number;
  max: number;
}

/** How often the scheduler wakes to send the calls that have fallen due. */
const TICK_MS = 1;

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadFigures> {
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const total = Math.round(options.rate * options.seconds);
  const latencies = new Float64Array(total);
  let answered = 0;
  let accepted = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const started = performance.now();

  const done = new Promise<void>((resolve) => {
    const settle = (index: number, scheduledAt: number, status?: number) => {
      latencies[index] = performance.now() - scheduledAt;
      if (status === undefined) errors++;
      else if (status >= 200 && status < 300) accepted++;
      else non2xx++;
      if (++answered === total) resolve();
    };

    const send = (index: number) => {
      const scheduledAt = started + (index * 1000) / options.rate;
      const call = options.nextCall();
      const outgoing = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: 'POST',
          headers: { ...call.headers, 'content-length': Buffer.byteLength(call.body) },
        },
        (response) => {
          response.on('data', () => undefined);
          response.on('end', () => settle(index, scheduledAt, response.statusCode ?? 0));
          response.on('error', () => settle(index, scheduledAt));
        },
      );
      outgoing.on('error', () => settle(index, scheduledAt));
      outgoing.end(call.body);
    };

    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * options.rate) / 1000) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, TICK_MS);
    };
    tick();
  });

  await done;
  const elapsedSeconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort();
  return {
    sent,
    accepted,
    non2xx,
    errors,
    rps: answered / elapsedSeconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? 0,
  };
}
