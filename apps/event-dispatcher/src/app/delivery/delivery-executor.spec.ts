import { Logger } from '@nestjs/common';
import { WebhookSender } from '@inbound/webhook-delivery';
import type { EventDispatcherConfig } from '@inbound/runtime';
import { waitFor } from '@inbound/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { EventDispatcherMetrics } from '../metrics/event-dispatcher.metrics';
import type { SubscriptionDirectory, SubscriptionTarget } from '../subscriptions/subscription-directory';
import { DeliveryExecutor } from './delivery-executor';
import type { DeliveryLogWriter } from './delivery-log.writer';
import type { AttemptRecord, DeliveryStore, HeldDelivery } from './delivery-store';

/** The executor with a real HTTP endpoint and sender; the table behind it is a record of what it was told. */
describe('DeliveryExecutor', () => {
  let server: Server;
  let url: string;
  let calls = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      calls += 1;
      request.resume();
      request.on('end', () => response.writeHead(500).end('down'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => (calls = 0));

  const setUp = () => {
    const target: SubscriptionTarget = {
      id: 'sub-1',
      account_id: 'acc-1',
      url,
      events: ['*'],
      secrets: ['whsec_' + Buffer.from('executor-spec-secret').toString('base64')],
      retry: null,
      enabled: true,
    };
    const released: { ids: readonly string[]; dueAt: Date }[] = [];
    const attempts: AttemptRecord[] = [];
    const directory = { byIds: async (ids: readonly string[]) => new Map(ids.map((id) => [id, id === target.id ? target : null])) };
    const store = { release: async (ids: readonly string[], dueAt: Date) => void released.push({ ids, dueAt }) };
    const log = { add: async (record: AttemptRecord) => void attempts.push(record) };
    const config = {
      concurrency: 8,
      subscriptionConcurrency: 1,
      circuitFailureThreshold: 3,
      circuitOpenMs: 60_000,
      pollIntervalMs: 1_000,
    } as EventDispatcherConfig;
    const sender = new WebhookSender({ timeoutMs: 2_000, allowPrivateNetworks: true });
    const executor = new DeliveryExecutor(
      config,
      sender,
      directory as unknown as SubscriptionDirectory,
      store as unknown as DeliveryStore,
      log as unknown as DeliveryLogWriter,
      new EventDispatcherMetrics(new Registry()),
    );
    let n = 0;
    const delivery = (): HeldDelivery => ({
      id: `delivery-${++n}`,
      subscription_id: target.id,
      event_id: `event-${n}`,
      event_type: 'message.received',
      payload: '{}',
      attempts: 0,
      event_created_at: null,
    });
    return { executor, released, attempts, delivery, target };
  };

  it('opens the circuit of an endpoint that gets its deliveries one at a time (each lane empties between them)', async () => {
    const { executor, released, attempts, delivery } = setUp();
    for (let n = 1; n <= 3; n++) {
      executor.submit([delivery()]);
      await waitFor(() => attempts.length === n, { description: `attempt ${n}` });
    }
    expect(executor.busySubscriptions()).toEqual(['sub-1']);

    const parked = delivery();
    executor.submit([parked]);
    await waitFor(() => released.length === 1, { description: 'the delivery given back to the table' });
    expect(released[0].ids).toEqual([parked.id]);
    expect(released[0].dueAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(calls).toBe(3);
    await executor.stop();
  });

  it('survives an attempt that throws (a stored secret it cannot sign with): logged, and the next one goes', async () => {
    const { executor, attempts, delivery, target } = setUp();
    const goodSecrets = target.secrets;
    target.secrets = ['not-a-standard-webhooks-secret'];
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const broken = delivery();
      executor.submit([broken]);
      await waitFor(() => errors.mock.calls.length === 1, { description: 'the failed attempt logged' });
      expect(errors.mock.calls[0][0]).toMatchObject({ delivery_id: broken.id, err: expect.stringContaining('whsec_') });
      expect(executor.busySubscriptions()).toEqual([]);
      target.secrets = goodSecrets;
      executor.submit([delivery()]);
      await waitFor(() => attempts.length === 1, { description: 'the next delivery attempted' });
      expect(calls).toBe(1);
    } finally {
      errors.mockRestore();
    }
    await executor.stop();
  });
});
