import { STATUS_QUEUE } from '@inbound/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AppProcess, freePort, killIfRunning, startBuiltApp, waitFor } from '@inbound/testing';
import { CREDENTIALS_KEY, migratedDataSource, QueueProbe, seedChannel } from './support/gateway-harness';
import { metaSignature } from './support/signing';

const env = () => ({ DATABASE_URL: process.env.DATABASE_URL, RABBITMQ_URL: process.env.RABBITMQ_URL, NODE_ENV: 'test' });

describe('webhook-gateway as a process', () => {
  let app: AppProcess | undefined;

  afterEach(async () => {
    await killIfRunning(app);
    app = undefined;
  });

  it('serves liveness, readiness and metrics, then stops on SIGTERM with exit code 0', async () => {
    const port = await freePort();
    app = startBuiltApp('webhook-gateway', { ...env(), PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;

    const live = await waitFor(
      async () => {
        const response = await fetch(`${base}/health/live`);
        return response.ok ? response : undefined;
      },
      { timeoutMs: 20_000, description: 'the gateway to listen' },
    );
    expect(await live.json()).toEqual({ status: 'ok', service: 'webhook-gateway' });

    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'up', rabbitmq: 'up' }, service: 'webhook-gateway' });

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toContain('process_cpu_user_seconds_total{service="webhook-gateway"}');
    expect(text).toContain('# TYPE gateway_publish_confirm_seconds histogram');

    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });

  it('exits with one line when PostgreSQL cannot be reached at start', async () => {
    // A gateway that cannot reach its database at start exits non-zero with one line, so the
    // orchestrator restarts it rather than routing calls to it.
    const port = await freePort();
    app = startBuiltApp('webhook-gateway', {
      ...env(),
      PORT: String(port),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/x`,
    });
    expect(await app.exited).toBe(1);
    expect(app.output().stderr).toMatch(/^webhook-gateway failed to start: .*ECONNREFUSED/m);
  });

  it('loses no answered call when SIGTERM arrives during a burst', async () => {
    const dataSource = await migratedDataSource();
    const secret = 'burst-app-secret';
    const channelId = (await seedChannel(dataSource, 'whatsapp', { app_secret: secret })).id;
    await dataSource.destroy();
    const probe = await QueueProbe.open();
    await probe.purge();

    const port = await freePort();
    app = startBuiltApp('webhook-gateway', { ...env(), PORT: String(port), CREDENTIALS_KEY: CREDENTIALS_KEY.toString('base64') });
    const url = `http://127.0.0.1:${port}/webhooks/whatsapp/${channelId}`;
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok, { timeoutMs: 20_000 });

    const template = JSON.parse(
      readFileSync(join(__dirname, '../../../libs/adapters/src/whatsapp/fixtures/status-delivered.json'), 'utf8'),
    );
    const send = async (i: number): Promise<string | undefined> => {
      template.entry[0].changes[0].value.statuses[0].id = `wamid.BURST${i}`;
      const body = JSON.stringify(template);
      try {
        const response = await fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(secret, body) },
        });
        return response.status === 200 ? `wamid.BURST${i}` : undefined;
      } catch {
        return undefined; // refused after the listener closed: the provider would retry
      }
    };
    let answered = 0;
    const calls: Array<Promise<string | undefined>> = [];
    for (let i = 0; i < 400; i++) {
      calls.push(send(i).then((id) => ((answered += id ? 1 : 0), id)));
      if (i === 150) {
        await waitFor(() => answered > 20, { description: 'some calls answered' });
        app.child.kill('SIGTERM');
      }
      if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const accepted = (await Promise.all(calls)).filter((id): id is string => id !== undefined);
    expect(await app.exited).toBe(0);

    const published = new Set((await probe.drain(STATUS_QUEUE)).map((m) => JSON.parse(m.content.toString()).provider_message_id));
    await probe.close();
    expect(accepted.length).toBeGreaterThan(20);
    expect(accepted.filter((id) => !published.has(id))).toEqual([]);
  });

  it.each([
    [{ PORT: 'abc' }, 'Invalid configuration: PORT must be an integer from 1 to 65535 (got "abc")'],
    [{ NODE_ENV: 'production' }, 'Invalid configuration: CREDENTIALS_KEY is required when NODE_ENV=production'],
    [
      { VERIFY_WEBHOOK_SIGNATURES: 'false', NODE_ENV: 'test' },
      'Invalid configuration: VERIFY_WEBHOOK_SIGNATURES may be false only when NODE_ENV=development',
    ],
    [{ RABBITMQ_URL: 'http://127.0.0.1:5672' }, 'Invalid configuration: RABBITMQ_URL must use amqp or amqps, not http'],
    [
      { NODE_ENV: 'production', SNS_DEV_CERTIFICATE_FILE: 'sns-dev/certificate.pem' },
      'Invalid configuration: SNS_DEV_CERTIFICATE_FILE may be set only when NODE_ENV=development or test',
    ],
  ])('refuses bad configuration %p with one line and exit code 1', async (bad, line) => {
    app = startBuiltApp('webhook-gateway', { ...env(), ...bad });
    expect(await app.exited).toBe(1);
    expect(app.output().stderr).toBe(`${line}\n`);
  });
});
