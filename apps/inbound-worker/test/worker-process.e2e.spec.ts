import { connect } from 'amqplib';
import { type AppProcess, freePort, killIfRunning, startBuiltApp, waitFor } from '@inbound/testing';

const env = () => ({ DATABASE_URL: process.env.DATABASE_URL, RABBITMQ_URL: process.env.RABBITMQ_URL });

describe('inbound-worker as a process', () => {
  let app: AppProcess | undefined;

  afterEach(async () => {
    await killIfRunning(app);
    app = undefined;
  });

  it('declares its queue topology, answers health and metrics, and stops on SIGTERM with exit code 0', async () => {
    const port = await freePort();
    app = startBuiltApp('inbound-worker', { ...env(), HEALTH_PORT: String(port), RETRY_FIRST_DELAY_MS: '1000', RETRY_WINDOW_MS: '3000' });
    const base = `http://127.0.0.1:${port}`;

    const ready = await waitFor(async () => {
      const response = await fetch(`${base}/health/ready`);
      return response.ok ? response : undefined;
    }, { timeoutMs: 20_000, description: 'the worker to be ready' });
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'up', rabbitmq: 'up' }, service: 'inbound-worker' });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('process_cpu_user_seconds_total{service="inbound-worker"}');

    const connection = await connect(process.env.RABBITMQ_URL as string);
    const channel = await connection.createChannel();
    for (const queue of ['webhook.inbound', 'webhook.inbound.dlq', 'webhook.inbound.retry.1000', 'webhook.inbound.retry.2000']) {
      await expect(channel.checkQueue(queue)).resolves.toMatchObject({ queue });
    }
    await connection.close();

    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });

  it.each([
    [{ PREFETCH_COUNT: 'many' }, 'Invalid configuration: PREFETCH_COUNT must be an integer from 1 to 10000 (got "many")'],
    [{ DATABASE_URL: 'mysql://127.0.0.1/x' }, 'Invalid configuration: DATABASE_URL must use postgres or postgresql, not mysql'],
    [{ LOG_LEVEL: 'chatty' }, 'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "chatty")'],
    [{ ACCOUNT_API_URL: 'ftp://accounts.internal' }, 'Invalid configuration: ACCOUNT_API_URL must use http or https, not ftp'],
    [{ ACCOUNT_API_URL: 'accounts.internal' }, 'Invalid configuration: ACCOUNT_API_URL must be a URL (http or https)'],
    [{ CONTACT_LOOKUP_TIMEOUT_MS: '1s' }, 'Invalid configuration: CONTACT_LOOKUP_TIMEOUT_MS must be an integer from 10 to 60000 (got "1s")'],
  ])('refuses bad configuration %p with one line and exit code 1', async (bad, line) => {
    app = startBuiltApp('inbound-worker', { ...env(), ...bad });
    expect(await app.exited).toBe(1);
    expect(app.output().stderr).toBe(`${line}\n`);
  });
});
