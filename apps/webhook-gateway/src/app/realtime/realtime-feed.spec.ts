import { Registry } from 'prom-client';
import type { GatewayConfig } from '../config/gateway-config';
import { RealtimeFeed, RECENT_EVENTS } from './realtime-feed';
import { RealtimeMetrics } from './realtime-metrics';

const message = (seq: number, accountId: string) => ({
  content: Buffer.from(JSON.stringify({ id: `e${seq}` })),
  properties: { messageId: `e${seq}`, headers: { 'x-outbox-seq': String(seq), 'x-account-id': accountId } },
});

describe('RealtimeFeed (without a broker)', () => {
  let now = 1_000_000;
  let feed: RealtimeFeed;

  beforeEach(() => {
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    feed = new RealtimeFeed({ rabbitmqUrl: 'amqp://unused' } as GatewayConfig, new RealtimeMetrics(new Registry()));
  });

  afterEach(() => jest.restoreAllMocks());

  it('hands each event to its account’s listeners only, and keeps it for resumes', () => {
    const got: number[] = [];
    const stop = feed.subscribe('a', (event) => got.push(event.seq));
    feed.receive(message(1, 'a') as never);
    feed.receive(message(2, 'b') as never);
    feed.receive(message(3, 'a') as never);
    stop();
    feed.receive(message(4, 'a') as never);
    expect(got).toEqual([1, 3]);
    expect(feed.recentAfter('a', 1).map((event) => event.seq)).toEqual([3, 4]);
    expect(feed.recentAfter('a', 1)[0].frame).toBe('{"type":"event","seq":3,"event":{"id":"e3"}}');
  });

  it('drops what is not an outbound event of the relay: no seq, no account, no id', () => {
    feed.receive({ content: Buffer.from('{}'), properties: { messageId: 'x', headers: { 'x-account-id': 'a' } } } as never);
    feed.receive({ content: Buffer.from('{}'), properties: { messageId: 'x', headers: { 'x-outbox-seq': '5' } } } as never);
    feed.receive({ content: Buffer.from('{}'), properties: { headers: { 'x-outbox-seq': '5', 'x-account-id': 'a' } } } as never);
    expect(feed.recentCount).toBe(0);
  });

  it('keeps at most a minute and at most the maximum count, oldest out first', () => {
    for (let seq = 1; seq <= 10; seq++) feed.receive(message(seq, 'a') as never);
    now += RECENT_EVENTS.maxAgeMs + 1;
    feed.receive(message(11, 'a') as never);
    expect(feed.recentAfter('a', 0).map((event) => event.seq)).toEqual([11]);

    for (let seq = 12; seq < 12 + RECENT_EVENTS.maxCount + 5_000; seq++) feed.receive(message(seq, seq % 2 ? 'a' : 'b') as never);
    expect(feed.recentCount).toBe(RECENT_EVENTS.maxCount);
    const kept = feed.recentAfter('b', 0).map((event) => event.seq);
    expect(kept[kept.length - 1]).toBe(12 + RECENT_EVENTS.maxCount + 5_000 - 2);
    expect(kept.every((seq, index) => index === 0 || seq > kept[index - 1])).toBe(true);
  });
});
