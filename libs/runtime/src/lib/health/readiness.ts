import type { DataSource } from 'typeorm';

/** One dependency's readiness check; resolves true when usable. Must not throw. */
export type ReadinessCheck = () => Promise<boolean>;

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, 'up' | 'down'>;
}

/** Runs the checks concurrently, each bounded by a timeout so a hung dependency reads as down. */
export async function checkReadiness(checks: Record<string, ReadinessCheck>, timeoutMs = 2_000): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const up = await Promise.race([check().catch(() => false), timeout]);
      clearTimeout(timer);
      return [name, up ? 'up' : 'down'] as const;
    }),
  );
  const report = Object.fromEntries(entries) as Record<string, 'up' | 'down'>;
  return { status: entries.every(([, state]) => state === 'up') ? 'ready' : 'not_ready', checks: report };
}

/** PostgreSQL answers a query through the process's pool. */
export function postgresReadiness(dataSource: DataSource): ReadinessCheck {
  return async () => (await dataSource.query('SELECT 1 AS ok'))[0]?.ok === 1;
}
