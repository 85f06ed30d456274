import { connect } from 'amqplib';
import { freePort, killIfRunning, startBuiltApp, type AppProcess } from './app-process';
import { waitFor } from './wait-for';

const brokerAndDatabase = () => ({ DATABASE_URL: process.env.DATABASE_URL, RABBITMQ_URL: process.env.RABBITMQ_URL });

/** Configuration a worker must refuse, with the one line it must print. */
export type BadConfiguration = [Record<string, string>, string];

const COMMON_BAD_CONFIGURATION: BadConfiguration[] = [
  [{ PREFETCH_COUNT: 'many' }, 'Invalid configuration: PREFETCH_COUNT must be an integer from 1 to 10000 (got "many")'],
  [{ DATABASE_URL: 'mysql://127.0.0.1/x' }, 'Invalid configuration: DATABASE_URL must use postgres or postgresql, not mysql'],
  [
    { LOG_LEVEL: 'chatty' },
    'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "chatty")',
  ],
  [{ PAUSE_HOLD_LIMIT_MS: '0' }, 'Invalid configuration: PAUSE_HOLD_LIMIT_MS must be an integer from 100 to 1500000 (got "0")'],
];

/**
 * The process-level checks every worker passes, run against its built main.js: it declares
 * its queue topology, answers health and metrics, stops on SIGTERM with exit code 0, and
 * refuses bad configuration with one line and exit code 1.
 */
export function describeWorkerProcess(
  app: string,
  queue: string,
  extraBadConfiguration: BadConfiguration[] = [],
  /** What this worker needs besides the database and the broker (a key, say). */
  appEnv: Record<string, string> = {},
): void {
  const env = () => ({ ...brokerAndDatabase(), ...appEnv });
  describe(`${app} as a process`, () => {
    let running: AppProcess | undefined;

    afterEach(async () => {
      await killIfRunning(running);
      running = undefined;
    });

    it('declares its queue topology, answers health and metrics, and stops on SIGTERM with exit code 0', async () => {
      const port = await freePort();
      running = startBuiltApp(app, { ...env(), HEALTH_PORT: String(port), RETRY_FIRST_DELAY_MS: '1000', RETRY_WINDOW_MS: '3000' });
      const base = `http://127.0.0.1:${port}`;

      const ready = await waitFor(
        async () => {
          const response = await fetch(`${base}/health/ready`);
          return response.ok ? response : undefined;
        },
        { timeoutMs: 20_000, description: 'the worker to be ready' },
      );
      expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'up', rabbitmq: 'up', consumer: 'up' }, service: app });
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain(`process_cpu_user_seconds_total{service="${app}"}`);

      const connection = await connect(process.env.RABBITMQ_URL as string);
      const channel = await connection.createChannel();
      for (const name of [queue, `${queue}.dlq`, `${queue}.retry.1000`, `${queue}.retry.2000`]) {
        await expect(channel.checkQueue(name)).resolves.toMatchObject({ queue: name });
      }
      await connection.close();

      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
    });

    it('subscribes again, without a restart, when the broker cancels its consumer because the queue was deleted', async () => {
      const port = await freePort();
      running = startBuiltApp(app, { ...env(), HEALTH_PORT: String(port) });
      const base = `http://127.0.0.1:${port}`;
      const readiness = async () => (await (await fetch(`${base}/health/ready`)).json()) as { checks: Record<string, string> };
      await waitFor(async () => (await readiness()).checks.consumer === 'up', { timeoutMs: 20_000, description: 'the worker consuming' });

      const connection = await connect(process.env.RABBITMQ_URL as string);
      try {
        const channel = await connection.createChannel();
        await channel.deleteQueue(queue);
        await waitFor(
          async () => {
            const metrics = await (await fetch(`${base}/metrics`)).text();
            return /worker_consumer_resubscriptions_total\{[^}]*\} [1-9]/.test(metrics) && (await readiness()).checks.consumer === 'up';
          },
          { timeoutMs: 20_000, description: 'a new subscription' },
        );
        // The queue is back (declared on the new channel) and consumed: a message put there is taken.
        const probe = await connection.createChannel();
        await expect(probe.checkQueue(queue)).resolves.toMatchObject({ consumerCount: 1 });
      } finally {
        await connection.close();
      }
      expect(running.child.exitCode).toBeNull();
    });

    it.each([...COMMON_BAD_CONFIGURATION, ...extraBadConfiguration])(
      'refuses bad configuration %p with one line and exit code 1',
      async (bad, line) => {
        running = startBuiltApp(app, { ...env(), ...bad });
        expect(await running.exited).toBe(1);
        expect(running.output().stderr).toBe(`${line}\n`);
      },
    );
  });
}
