import type { DeliveryOutcome } from '@inbound/webhook-delivery';
import { attemptRecord } from './delivery-executor';
import type { HeldDelivery } from './delivery-store';

const delivery = (attempts: number): HeldDelivery => ({
  id: 'd1',
  subscription_id: 's1',
  event_id: 'e1',
  event_type: 'message.received',
  payload: '{}',
  attempts,
  event_created_at: null,
});
const target = {
  id: 's1',
  account_id: 'a1',
  url: 'https://example.com/hook',
  events: ['*'],
  secrets: ['whsec_x'],
  retry: null,
  enabled: true,
};
const startedAt = new Date('2026-03-01T00:00:00.000Z');
const answer = (status: number | null, extra: Partial<DeliveryOutcome> = {}): DeliveryOutcome => ({
  ok: status !== null && status >= 200 && status < 300,
  status,
  responseBody: status === null ? '' : 'body',
  errorClass: status === null ? 'refused' : null,
  error: status === null ? 'connection refused' : null,
  durationMs: 40,
  retryAfterMs: null,
  ...extra,
});

describe('attemptRecord (what an answer does to a delivery)', () => {
  it('a 2xx succeeds', () => {
    expect(attemptRecord(delivery(0), target, startedAt, answer(204))).toMatchObject({
      attempt: 1,
      status: 'succeeded',
      next_attempt_at: null,
      gone: false,
      response_status: 204,
      error: null,
    });
  });

  it('any other answer or no answer is retried on the default schedule, ±20 %', () => {
    for (const outcome of [answer(500), answer(301), answer(400), answer(null)]) {
      const record = attemptRecord(delivery(1), target, startedAt, outcome);
      expect(record.status).toBe('failed');
      const wait = Date.parse(record.next_attempt_at as string) - startedAt.getTime() - 40;
      expect(wait).toBeGreaterThanOrEqual(0.8 * 5 * 60_000);
      expect(wait).toBeLessThanOrEqual(1.2 * 5 * 60_000);
    }
    expect(attemptRecord(delivery(0), target, startedAt, answer(null)).response_body).toBeNull();
    expect(attemptRecord(delivery(0), target, startedAt, answer(503)).error).toBe('the endpoint answered 503');
  });

  it('honours Retry-After beyond the schedule', () => {
    const record = attemptRecord(delivery(0), target, startedAt, answer(429, { retryAfterMs: 120_000 }));
    expect(Date.parse(record.next_attempt_at as string) - startedAt.getTime()).toBe(120_040);
  });

  it('410 Gone ends the delivery and disables the subscription', () => {
    expect(attemptRecord(delivery(0), target, startedAt, answer(410))).toMatchObject({ status: 'dead', gone: true, next_attempt_at: null });
  });

  it('the last attempt of the policy leaves the delivery dead', () => {
    const limited = { ...target, retry: { max_attempts: 2 } };
    expect(attemptRecord(delivery(0), limited, startedAt, answer(500)).status).toBe('failed');
    expect(attemptRecord(delivery(1), limited, startedAt, answer(500))).toMatchObject({ status: 'dead', attempt: 2 });
    expect(attemptRecord(delivery(7), target, startedAt, answer(500)).status).toBe('dead');
  });
});
