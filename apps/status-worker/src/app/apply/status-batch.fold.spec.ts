import fc from 'fast-check';
import { outboundEventId } from '@inbound/contracts';
import type { MessageStatusState } from '@inbound/domain';
import { foldStatusBatch, MAX_INFORMATIONAL_KINDS, recordInformational } from './status-batch.fold';
import type { LockedMessage, MessageRowWrite, StatusUpdate } from './status-batch.types';

const CHANNEL = '11111111-1111-4111-8111-111111111111';
const OTHER_CHANNEL = '22222222-2222-4222-8222-222222222222';
const t = (minute: number): Date => new Date(Date.UTC(2026, 0, 1, 0, minute));
const iso = (minute: number): string => t(minute).toISOString();

const EMPTY: MessageStatusState = {
  status: 'sent',
  sent_at: t(1),
  delivered_at: null,
  failed_at: null,
  read_at: null,
  error_details: null,
};

function row(id: string, state: Partial<MessageStatusState> = {}, extra: Partial<LockedMessage> = {}): LockedMessage {
  return {
    id,
    account_id: '33333333-3333-4333-8333-333333333333',
    channel_id: CHANNEL,
    provider_message_id: `pm-${id}`,
    group_message_id: 'g1',
    delivery_address: 'psid-1',
    created_at: t(0),
    state: { ...EMPTY, ...state },
    status_events: {},
    ...extra,
  };
}

function update(id: string, status: string, minute: number, extra: Partial<StatusUpdate> = {}): StatusUpdate {
  return {
    event_id: `${id}-${status}-${minute}`,
    channel_id: CHANNEL,
    channel_type: 'messenger',
    provider_message_id: `pm-${id}`,
    status,
    timestamp: iso(minute),
    received_at: iso(minute),
    ...(status === 'failed' ? { error_code: 'E1' } : {}),
    ...extra,
  };
}

function watermark(status: string, mark: number, minute: number, extra: Partial<StatusUpdate> = {}): StatusUpdate {
  return {
    event_id: `wm-${status}-${mark}`,
    channel_id: CHANNEL,
    channel_type: 'messenger',
    status,
    timestamp: iso(minute),
    received_at: iso(minute),
    recipient_address: 'psid-1',
    watermark: iso(mark),
    ...extra,
  };
}

/** The row a write produces, for comparing folds. */
function applied(locked: LockedMessage, write: MessageRowWrite | undefined): LockedMessage {
  if (!write) return locked;
  const { metadata_patch: patch } = write;
  return {
    ...locked,
    state: {
      status: (write.status ?? locked.state.status) as MessageStatusState['status'],
      sent_at: write.sent_at ?? locked.state.sent_at,
      delivered_at: write.delivered_at ?? locked.state.delivered_at,
      failed_at: write.failed_at ?? locked.state.failed_at,
      read_at: patch?.read_at ?? locked.state.read_at,
      error_details: write.error_details ?? locked.state.error_details,
    },
    status_events: patch?.status_events ?? locked.status_events,
  };
}

describe('foldStatusBatch', () => {
  it('ignores duplicates inside a batch: counters move once', () => {
    const folded = foldStatusBatch(
      [update('a', 'delivered', 2), update('a', 'delivered', 2), update('a', 'read', 3), update('a', 'read', 3)],
      [row('a')],
    );
    expect(folded.results).toEqual([
      { kind: 'applied' },
      { kind: 'ignored', reason: 'already_recorded' },
      { kind: 'applied' },
      { kind: 'ignored', reason: 'already_recorded' },
    ]);
    expect(folded.writes).toEqual([
      {
        id: 'a',
        group_message_id: 'g1',
        before_status: 'sent',
        status: 'delivered',
        delivered_at: t(2),
        metadata_patch: { read_at: iso(3) },
        counters: ['delivered_count', 'read_count'],
        events: [
          expect.objectContaining({ type: 'message.delivered', id: outboundEventId('a', 'message.delivered') }),
          expect.objectContaining({ type: 'message.read', id: outboundEventId('a', 'message.read') }),
        ],
      },
    ]);
  });

  it('of failed and delivered for one message, the first to arrive wins', () => {
    const failedFirst = foldStatusBatch([update('a', 'failed', 5), update('a', 'delivered', 2)], [row('a')]);
    expect(failedFirst.results).toEqual([{ kind: 'applied' }, { kind: 'ignored', reason: 'lifecycle_ended' }]);
    expect(failedFirst.writes[0]).toMatchObject({ status: 'failed', counters: ['failed_count'] });

    const deliveredFirst = foldStatusBatch([update('a', 'delivered', 2), update('a', 'failed', 1)], [row('a')]);
    expect(deliveredFirst.results).toEqual([{ kind: 'applied' }, { kind: 'ignored', reason: 'already_delivered' }]);
    expect(deliveredFirst.writes[0]).toMatchObject({ status: 'delivered', counters: ['delivered_count'] });
  });

  it('writes only the fields that changed, and nothing for an unchanged row', () => {
    const folded = foldStatusBatch([update('a', 'sent', 0), update('b', 'sent', 5)], [row('a'), row('b')]);
    expect(folded.writes).toEqual([{ id: 'a', group_message_id: 'g1', before_status: 'sent', sent_at: t(0), counters: [], events: [] }]);
    expect(folded.results[1]).toEqual({ kind: 'ignored', reason: 'already_recorded' });
  });

  it('reports updates whose message was not locked as not found', () => {
    const folded = foldStatusBatch(
      [update('a', 'delivered', 2), update('zzz', 'delivered', 2), update('a', 'read', 3, { channel_id: OTHER_CHANNEL })],
      [row('a')],
    );
    expect(folded.results).toEqual([{ kind: 'applied' }, { kind: 'not_found' }, { kind: 'not_found' }]);
  });

  it('applies an update that names no recipient to every row its provider id names', () => {
    const folded = foldStatusBatch(
      [update('a', 'delivered', 2)],
      [row('a1', {}, { provider_message_id: 'pm-a' }), row('a2', {}, { provider_message_id: 'pm-a' })],
    );
    expect(folded.writes.map((write) => write.id)).toEqual(['a1', 'a2']);
  });

  describe('one provider id, several recipients', () => {
    const email = { channel_type: 'email' };
    const shared = (id: string, address: string) => row(id, {}, { provider_message_id: 'pm-x', delivery_address: address });
    const rows = [shared('r-a', 'a@example.com'), shared('r-b', 'B@Example.com'), shared('r-c', 'c@example.com')];

    it('applies each update only to its recipient’s row, comparing email addresses without case', () => {
      const folded = foldStatusBatch(
        [
          update('x', 'delivered', 2, { ...email, recipient_address: 'A@example.com' }),
          update('x', 'failed', 3, { ...email, recipient_address: 'b@example.com' }),
        ],
        rows,
      );
      expect(folded.results).toEqual([{ kind: 'applied' }, { kind: 'applied' }]);
      expect(folded.writes).toEqual([
        expect.objectContaining({ id: 'r-a', status: 'delivered', counters: ['delivered_count'] }),
        expect.objectContaining({ id: 'r-b', status: 'failed', counters: ['failed_count'] }),
      ]);
    });

    it('compares addresses of other channel types exactly', () => {
      const folded = foldStatusBatch([update('x', 'delivered', 2, { channel_type: 'sms', recipient_address: 'b@example.com' })], rows);
      expect(folded.results).toEqual([{ kind: 'ignored', reason: 'recipient_not_tracked' }]);
    });

    it('moves no row for a recipient the id has no row for, even when the id has a single row', () => {
      const several = foldStatusBatch([update('x', 'failed', 2, { ...email, recipient_address: 'd@example.com' })], rows);
      expect(several.results).toEqual([{ kind: 'ignored', reason: 'recipient_not_tracked' }]);
      expect(several.writes).toEqual([]);
      // Only a@'s row is stored: b@'s bounce must not fail it.
      const single = foldStatusBatch([update('x', 'failed', 2, { ...email, recipient_address: 'b@example.com' })], [rows[0]]);
      expect(single.results).toEqual([{ kind: 'ignored', reason: 'recipient_not_tracked' }]);
      expect(single.writes).toEqual([]);
    });

    it('matches a stored "Name <address>" by its address', () => {
      const named = row('r-n', {}, { provider_message_id: 'pm-x', delivery_address: 'Ada Lovelace <Ada@Example.com>' });
      const folded = foldStatusBatch([update('x', 'delivered', 2, { ...email, recipient_address: 'ada@example.com' })], [named, rows[0]]);
      expect(folded.writes.map((write) => write.id)).toEqual(['r-n']);
    });
  });

  describe('watermarks', () => {
    const rows = [
      row('sent-before', { sent_at: t(3) }, { provider_message_id: null }),
      row('created-before', { sent_at: null }, { provider_message_id: null, created_at: t(4) }),
      row('sent-after', { sent_at: t(12) }, { provider_message_id: null }),
      row('other-recipient', { sent_at: t(3) }, { provider_message_id: null, delivery_address: 'psid-2' }),
    ];

    it('cover the recipient’s messages sent (or created, when unsent) at or before the watermark', () => {
      const folded = foldStatusBatch([watermark('delivered', 10, 11)], rows);
      expect(folded.results).toEqual([{ kind: 'applied' }]);
      expect(folded.writes.map((write) => [write.id, write.delivered_at])).toEqual([
        ['sent-before', t(11)],
        ['created-before', t(11)],
      ]);
    });

    it('judge coverage on the message as the batch has it so far, as one by one would', () => {
      const unsent = () => [row('r', { status: 'queued', sent_at: null }, { provider_message_id: 'pm-r', created_at: t(9) })];
      const sentLater = update('r', 'sent', 11);
      const sentFirst = foldStatusBatch([sentLater, watermark('delivered', 10, 12)], unsent());
      expect(sentFirst.results[1]).toEqual({ kind: 'ignored', reason: 'no_messages_covered' });
      const watermarkFirst = foldStatusBatch([watermark('delivered', 10, 12), sentLater], unsent());
      expect(watermarkFirst.results).toEqual([{ kind: 'applied' }, { kind: 'applied' }]);
      expect(watermarkFirst.writes[0]).toMatchObject({ status: 'delivered', sent_at: t(11), delivered_at: t(12) });
    });

    it('covering nothing is ignored, not retried', () => {
      expect(foldStatusBatch([watermark('read', 1, 2)], rows).results).toEqual([{ kind: 'ignored', reason: 'no_messages_covered' }]);
    });
  });

  describe('informational kinds', () => {
    it('record the first and the last report per kind, with the latest details', () => {
      const folded = foldStatusBatch(
        [
          update('a', 'deferred', 5, { error_message: 'mailbox full', provider_status: 'deferred' }),
          update('a', 'deferred', 3, { error_message: 'try later' }),
          update('a', 'deferred', 4),
          update('a', 'clicked', 6),
        ],
        [row('a')],
      );
      expect(folded.results.map((result) => result.kind)).toEqual(['applied', 'applied', 'ignored', 'applied']);
      expect(folded.writes[0]).toEqual({
        id: 'a',
        group_message_id: 'g1',
        before_status: 'sent',
        metadata_patch: {
          status_events: {
            deferred: { first_at: iso(3), last_at: iso(5), error_message: 'mailbox full', provider_status: 'deferred' },
            clicked: { first_at: iso(6), last_at: iso(6) },
          },
        },
        counters: [],
        events: [],
      });
    });

    it('keep at most MAX_INFORMATIONAL_KINDS kinds per message', () => {
      let records = {};
      for (let n = 0; n < MAX_INFORMATIONAL_KINDS; n++)
        records = recordInformational(records, { status: `kind_${n}`, timestamp: iso(1) }).records;
      const beyond = recordInformational(records, { status: 'one_more', timestamp: iso(1) });
      expect(beyond).toEqual({ records, changed: false, limited: true });
      expect(recordInformational(records, { status: 'kind_0', timestamp: iso(2) }).changed).toBe(true);
    });

    it('cut a long error message', () => {
      const { records } = recordInformational({}, { status: 'bounced_soft', timestamp: iso(1), error_message: 'x'.repeat(5_000) });
      expect(records['bounced_soft'].error_message).toHaveLength(512);
    });
  });

  it('a batch folds to the same rows, results and counters as its updates one at a time (property)', () => {
    const statuses = ['queued', 'sent', 'delivered', 'read', 'failed', 'clicked', 'deferred'];
    const initialStates: Array<Partial<MessageStatusState>> = [
      { status: 'pending', sent_at: null },
      { status: 'sent' },
      { status: 'delivered', delivered_at: t(4) },
      { status: 'delivered', delivered_at: t(4), read_at: iso(5) },
      { status: 'failed', failed_at: t(4), error_details: { code: 'E0', message: null, provider_status: null } },
    ];
    const anUpdate = fc.record({
      id: fc.constantFrom('a', 'b'),
      status: fc.constantFrom(...statuses),
      minute: fc.integer({ min: 0, max: 8 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...initialStates),
        fc.constantFrom(...initialStates),
        fc.array(anUpdate, { maxLength: 12 }),
        (stateA, stateB, sequence) => {
          const updates = sequence.map(({ id, status, minute }) => update(id, status, minute));
          const batched = foldStatusBatch(updates, [row('a', stateA), row('b', stateB)]);

          let rows = [row('a', stateA), row('b', stateB)];
          const results = [];
          const counters: string[] = [];
          const events: string[] = [];
          for (const single of updates) {
            const step = foldStatusBatch([single], rows);
            results.push(...step.results);
            rows = rows.map((locked) =>
              applied(
                locked,
                step.writes.find((write) => write.id === locked.id),
              ),
            );
            for (const write of step.writes) counters.push(...write.counters.map((counter) => `${write.id}:${counter}`));
            for (const write of step.writes) events.push(...write.events.map((event) => `${write.id}:${event.type}:${event.id}`));
          }
          expect(batched.results).toEqual(results);
          const batchedRows = [row('a', stateA), row('b', stateB)].map((locked) =>
            applied(
              locked,
              batched.writes.find((write) => write.id === locked.id),
            ),
          );
          expect(batchedRows).toEqual(rows);
          expect(batched.writes.flatMap((write) => write.counters.map((counter) => `${write.id}:${counter}`)).sort()).toEqual(
            counters.sort(),
          );
          // The same events as one at a time, each type at most once per message.
          const batchedEvents = batched.writes.flatMap((write) => write.events.map((event) => `${write.id}:${event.type}:${event.id}`));
          expect(batchedEvents.sort()).toEqual(events.sort());
          expect(new Set(batchedEvents).size).toBe(batchedEvents.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  describe('outbound events', () => {
    it('report each step of a batch, in order, with the status before it and the provider’s time', () => {
      const folded = foldStatusBatch(
        [update('a', 'sent', 2), update('a', 'read', 4), update('a', 'failed', 5)],
        [row('a', { status: 'queued', sent_at: null })],
      );
      const [write] = folded.writes;
      expect(write.events).toEqual([
        {
          id: outboundEventId('a', 'message.sent'),
          type: 'message.sent',
          status: 'sent',
          previous_status: 'queued',
          occurred_at: iso(2),
          channel_type: 'messenger',
        },
        {
          id: outboundEventId('a', 'message.delivered'),
          type: 'message.delivered',
          status: 'delivered',
          previous_status: 'sent',
          occurred_at: iso(4),
          channel_type: 'messenger',
        },
        {
          id: outboundEventId('a', 'message.read'),
          type: 'message.read',
          status: 'read',
          previous_status: 'sent',
          occurred_at: iso(4),
          channel_type: 'messenger',
        },
      ]);
    });

    it('report a failure, and nothing for what changes no state', () => {
      const folded = foldStatusBatch(
        [update('a', 'failed', 3, { error_message: 'unreachable', provider_status: 'undelivered' }), update('b', 'sent', 0)],
        [row('a'), row('b')],
      );
      const failed = folded.writes.find((write) => write.id === 'a');
      expect(failed?.events.map((event) => [event.type, event.status, event.previous_status])).toEqual([
        ['message.failed', 'failed', 'sent'],
      ]);
      expect(failed?.error_details).toEqual({ code: 'E1', message: 'unreachable', provider_status: 'undelivered' });
      // b's earlier sent_at is recorded, but it was already sent: no event.
      expect(folded.writes.find((write) => write.id === 'b')?.events).toEqual([]);
    });
  });
});
