import { ConfigError } from '../config/env-reader';

export interface RunningProcess {
  /** Stops accepting work, finishes what is in hand, releases connections. */
  stop(): Promise<void>;
}

/** Exits 1 on a start failure (a ConfigError as its one line); on SIGTERM/SIGINT stops, exit 0 or 1 past the grace period. */
export async function runProcess(service: string, start: () => Promise<RunningProcess>, graceMs = 25_000): Promise<void> {
  let running: RunningProcess;
  try {
    running = await start();
  } catch (error) {
    const line = error instanceof ConfigError ? error.message : `${service} failed to start: ${(error as Error)?.message ?? String(error)}`;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      process.stderr.write(`${service}: stop after ${signal} took longer than ${graceMs} ms\n`);
      process.exit(1);
    }, graceMs);
    timer.unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${service}: stop failed: ${(error as Error)?.message ?? String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
