import fc from 'fast-check';
import { LIFECYCLE_STATUSES } from '@inbound/contracts';
import type { MessageErrorDetails } from './message-status';
import {
  applyStatusUpdate,
  type GroupCounter,
  type IncomingStatusUpdate,
  type MessageStatusState,
  mergeStatusChanges,
  parseStatusTime,
  type StatusUpdateOutcome,
} from './status-rules';

/** Minute `n` of a fixed day: small numbers keep the tables readable. */
const t = (minute: number): Date => new Date(Date.UTC(2026, 0, 1, 0, minute));
const iso = (minute: number): string => t(minute).toISOString();

const ERROR: MessageErrorDetails = { code: '30003', message: 'Unreachable destination handset', provider_status: 'undelivered' };
const EARLIER_ERROR: MessageErrorDetails = { code: '1', message: 'first', provider_status: 'failed' };

const EMPTY: MessageStatusState = {
  status: 'pending',
  sent_at: null,
  delivered_at: null,
  failed_at: null,
  read_at: null,
  error_details: null,
};

/** Row states a message can be in; the times are minutes 1 to 3. */
const STATES = {
  pending: EMPTY,
  queued: { ...EMPTY, status: 'queued' },
  sent: { ...EMPTY, status: 'sent', sent_at: t(1) },
  'delivered, unread': { ...EMPTY, status: 'delivered', sent_at: t(1), delivered_at: t(2) },
  'delivered, read': { ...EMPTY, status: 'delivered', sent_at: t(1), delivered_at: t(2), read_at: iso(3) },
  failed: { ...EMPTY, status: 'failed', sent_at: t(1), failed_at: t(2), error_details: EARLIER_ERROR },
} satisfies Record<string, MessageStatusState>;
type StateName = keyof typeof STATES;

function update(status: string, minute: number, error?: MessageErrorDetails): IncomingStatusUpdate {
  return {
    status,
    timestamp: iso(minute),
    error_code: error?.code,
    error_message: error?.message ?? undefined,
    provider_status: error?.provider_status ?? undefined,
  };
}

/** An update at minute 10: later than anything in STATES. */
const late = (status: string): IncomingStatusUpdate => update(status, 10, status === 'failed' ? ERROR : undefined);

const changed = (changes: object, counters: GroupCounter[] = []): StatusUpdateOutcome =>
  ({ kind: 'changed', changes, counters }) as StatusUpdateOutcome;
const ignored = (reason: string): StatusUpdateOutcome => ({ kind: 'ignored', reason }) as StatusUpdateOutcome;
const informational: StatusUpdateOutcome = { kind: 'informational', event: { status: 'clicked', timestamp: iso(10) } };

const toQueued = changed({ status: 'queued' });
const toSent = changed({ status: 'sent', sent_at: t(10) });
const toDelivered = changed({ status: 'delivered', delivered_at: t(10) }, ['delivered_count']);
const toRead = changed({ status: 'delivered', delivered_at: t(10), read_at: iso(10) }, ['delivered_count', 'read_count']);
const toFailed = changed({ status: 'failed', failed_at: t(10), error_details: ERROR }, ['failed_count']);

describe('applyStatusUpdate', () => {
  describe('every (row state, incoming status) pair, update later than the row', () => {
    const table: Array<[StateName, string, StatusUpdateOutcome]> = [
      ['pending', 'queued', toQueued],
      ['pending', 'sent', toSent],
      ['pending', 'delivered', toDelivered],
      ['pending', 'read', toRead],
      ['pending', 'failed', toFailed],
      ['pending', 'clicked', informational],

      ['queued', 'queued', ignored('already_recorded')],
      ['queued', 'sent', toSent],
      ['queued', 'delivered', toDelivered],
      ['queued', 'read', toRead],
      ['queued', 'failed', toFailed],
      ['queued', 'clicked', informational],

      ['sent', 'queued', ignored('already_recorded')],
      ['sent', 'sent', ignored('already_recorded')],
      ['sent', 'delivered', toDelivered],
      ['sent', 'read', toRead],
      ['sent', 'failed', toFailed],
      ['sent', 'clicked', informational],

      ['delivered, unread', 'queued', ignored('already_recorded')],
      ['delivered, unread', 'sent', ignored('already_recorded')],
      ['delivered, unread', 'delivered', ignored('already_recorded')],
      ['delivered, unread', 'read', changed({ read_at: iso(10) }, ['read_count'])],
      ['delivered, unread', 'failed', ignored('already_delivered')],
      ['delivered, unread', 'clicked', informational],

      ['delivered, read', 'queued', ignored('already_recorded')],
      ['delivered, read', 'sent', ignored('already_recorded')],
      ['delivered, read', 'delivered', ignored('already_recorded')],
      ['delivered, read', 'read', ignored('already_recorded')],
      ['delivered, read', 'failed', ignored('already_delivered')],
      ['delivered, read', 'clicked', informational],

      ['failed', 'queued', ignored('lifecycle_ended')],
      ['failed', 'sent', ignored('already_recorded')],
      ['failed', 'delivered', ignored('lifecycle_ended')],
      ['failed', 'read', ignored('lifecycle_ended')],
      ['failed', 'failed', ignored('already_recorded')],
      ['failed', 'clicked', informational],
    ];

    it('covers every pair', () => {
      const pairs = new Set(table.map(([state, status]) => `${state}/${status}`));
      expect(pairs.size).toBe(Object.keys(STATES).length * (LIFECYCLE_STATUSES.length + 1));
    });

    it.each(table)('%s + %s', (state, status, expected) => {
      expect(applyStatusUpdate(STATES[state], late(status))).toEqual(expected);
    });
  });

  describe('an update reporting an earlier time than the row holds refines the time only', () => {
    const table: Array<[string, MessageStatusState, IncomingStatusUpdate, StatusUpdateOutcome]> = [
      ['sent again, earlier', STATES.sent, update('sent', 0), changed({ sent_at: t(0) })],
      ['sent after delivered, earlier', STATES['delivered, unread'], update('sent', 0), changed({ sent_at: t(0) })],
      ['sent after delivered, sent_at empty', { ...STATES['delivered, unread'], sent_at: null }, late('sent'), changed({ sent_at: t(10) })],
      ['sent after failed, sent_at empty', { ...STATES.failed, sent_at: null }, late('sent'), changed({ sent_at: t(10) })],
      ['sent after failed, earlier', STATES.failed, update('sent', 0), changed({ sent_at: t(0) })],
      ['delivered again, earlier', STATES['delivered, unread'], update('delivered', 0), changed({ delivered_at: t(0) })],
      [
        'read before the delivery time',
        STATES['delivered, unread'],
        update('read', 0),
        changed({ delivered_at: t(0), read_at: iso(0) }, ['read_count']),
      ],
      ['read again, earlier', STATES['delivered, read'], update('read', 0), changed({ delivered_at: t(0), read_at: iso(0) })],
      [
        'read again, between delivery and first read',
        { ...STATES['delivered, read'], read_at: iso(5) },
        update('read', 4),
        changed({ read_at: iso(4) }),
      ],
      [
        'failed again, earlier: its details replace the later ones',
        STATES.failed,
        update('failed', 0, ERROR),
        changed({ failed_at: t(0), error_details: ERROR }),
      ],
      [
        'delivered, row has no delivered_at',
        { ...STATES['delivered, unread'], delivered_at: null },
        late('delivered'),
        changed({ delivered_at: t(10) }),
      ],
    ];

    it.each(table)('%s', (_name, state, incoming, expected) => {
      expect(applyStatusUpdate(state, incoming)).toEqual(expected);
    });
  });

  describe('applying the same update twice: the second is a no-op', () => {
    const cases = Object.keys(STATES).flatMap((state) =>
      [...LIFECYCLE_STATUSES, 'clicked'].flatMap((status) => [0, 2, 10].map((minute) => [state as StateName, status, minute] as const)),
    );

    it.each(cases)('%s + %s at minute %d', (state, status, minute) => {
      const incoming = update(status, minute, status === 'failed' ? ERROR : undefined);
      const first = applyStatusUpdate(STATES[state], incoming);
      const after = first.kind === 'changed' ? mergeStatusChanges(STATES[state], first.changes) : STATES[state];
      const second = applyStatusUpdate(after, incoming);
      expect(second.kind).not.toBe('changed');
      if (first.kind === 'informational') expect(second).toEqual(first);
    });
  });

  describe('arrival order does not change the outcome', () => {
    it.each(permutations(['queued', 'sent', 'delivered', 'read']))('%s, %s, %s, %s', (...order) => {
      const result = replay(order.map((status) => update(status, minuteOf(status))));
      expect(result.state).toEqual({
        status: 'delivered',
        sent_at: t(2),
        delivered_at: t(3),
        failed_at: null,
        read_at: iso(4),
        error_details: null,
      });
      expect(result.counters).toEqual({ delivered_count: 1, failed_count: 0, read_count: 1 });
    });

    it.each(permutations(['queued', 'sent', 'failed', 'clicked']))('%s, %s, %s, %s', (...order) => {
      const result = replay(order.map((status) => update(status, minuteOf(status), status === 'failed' ? ERROR : undefined)));
      expect(result.state).toEqual({ ...EMPTY, status: 'failed', sent_at: t(2), failed_at: t(5), error_details: ERROR });
      expect(result.counters).toEqual({ delivered_count: 0, failed_count: 1, read_count: 0 });
    });

    it.each(permutations(['delivered', 'read', 'read', 'delivered']))('duplicates: %s, %s, %s, %s', (...order) => {
      const result = replay(order.map((status) => update(status, minuteOf(status))));
      expect(result.state).toMatchObject({ status: 'delivered', delivered_at: t(3), read_at: iso(4) });
      expect(result.counters).toEqual({ delivered_count: 1, failed_count: 0, read_count: 1 });
    });

    // A provider that reports both failure and delivery contradicts itself. The contract keeps
    // failed terminal and never lets it override delivered, so whichever arrived first stands;
    // in every order exactly one of the two counters moves.
    it.each([
      [['delivered', 'failed'], 'delivered', { delivered_count: 1, failed_count: 0, read_count: 0 }],
      [['failed', 'delivered'], 'failed', { delivered_count: 0, failed_count: 1, read_count: 0 }],
      [['read', 'failed'], 'delivered', { delivered_count: 1, failed_count: 0, read_count: 1 }],
      [['failed', 'read'], 'failed', { delivered_count: 0, failed_count: 1, read_count: 0 }],
    ] as const)('contradiction %j: %s stands', (order, status, counters) => {
      const result = replay(order.map((kind) => update(kind, minuteOf(kind), kind === 'failed' ? ERROR : undefined)));
      expect(result.state.status).toBe(status);
      expect(result.counters).toEqual(counters);
    });

    it('holds for any sequence without a contradiction, with duplicates and any times (property)', () => {
      fc.assert(
        fc.property(updateSequence(), fc.array(fc.nat(), { minLength: 24, maxLength: 24 }), (updates, sortKeys) => {
          const shuffled = updates
            .map((incoming, index) => ({ incoming, key: sortKeys[index % sortKeys.length] * 100 + index }))
            .sort((a, b) => a.key - b.key)
            .map(({ incoming }) => incoming);
          const inOrder = replay(updates);
          const reordered = replay(shuffled);
          assertInvariants(inOrder);
          assertInvariants(reordered);
          if (!isContradictory(updates)) {
            expect(reordered.state).toEqual(inOrder.state);
            expect(reordered.counters).toEqual(inOrder.counters);
          }
        }),
        { numRuns: 500 },
      );
    });
  });

  it('returns informational updates normalised, with the details they carry', () => {
    expect(
      applyStatusUpdate(STATES.sent, {
        status: 'deferred',
        timestamp: '2026-01-01T01:00:00+01:00',
        error_message: 'mailbox full',
        error_code: null,
      }),
    ).toEqual({
      kind: 'informational',
      event: { status: 'deferred', timestamp: '2026-01-01T00:00:00.000Z', error_message: 'mailbox full' },
    });
  });

  it('treats `pending` and unknown words as informational: only the five lifecycle kinds move state', () => {
    expect(applyStatusUpdate(EMPTY, late('pending')).kind).toBe('informational');
    expect(applyStatusUpdate(EMPTY, late('opened_again')).kind).toBe('informational');
  });

  it('records a failure without details as nulls', () => {
    expect(applyStatusUpdate(EMPTY, update('failed', 10))).toEqual(
      changed({ status: 'failed', failed_at: t(10), error_details: { code: null, message: null, provider_status: null } }, [
        'failed_count',
      ]),
    );
  });

  it('does not modify its arguments', () => {
    const state = structuredClone(STATES.sent);
    const incoming = late('read');
    applyStatusUpdate(state, incoming);
    expect(state).toEqual(STATES.sent);
    expect(incoming).toEqual(late('read'));
  });

  it('rejects a timestamp that is not a time', () => {
    expect(() => applyStatusUpdate(EMPTY, { status: 'sent', timestamp: 'yesterday' })).toThrow(RangeError);
    expect(() => parseStatusTime('')).toThrow('not a valid time');
  });
});

// --- helpers ----------------------------------------------------------------------------

/** The canonical time of each step in the ordering tests. */
function minuteOf(status: string): number {
  return { queued: 1, sent: 2, delivered: 3, read: 4, failed: 5, clicked: 6 }[status] ?? 9;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

interface Replay {
  state: MessageStatusState;
  counters: Record<GroupCounter, number>;
}

/** Applies updates one after the other to a new (pending) message, as the worker would. */
function replay(updates: readonly IncomingStatusUpdate[]): Replay {
  let state = EMPTY;
  const counters: Record<GroupCounter, number> = { delivered_count: 0, failed_count: 0, read_count: 0 };
  for (const incoming of updates) {
    const outcome = applyStatusUpdate(state, incoming);
    if (outcome.kind !== 'changed') continue;
    state = mergeStatusChanges(state, outcome.changes);
    for (const counter of outcome.counters) counters[counter] += 1;
  }
  return { state, counters };
}

function assertInvariants({ state, counters }: Replay): void {
  expect(Math.max(...Object.values(counters))).toBeLessThanOrEqual(1);
  expect(counters.delivered_count === 1).toBe(state.status === 'delivered');
  expect(counters.failed_count === 1).toBe(state.status === 'failed');
  expect(counters.read_count === 1).toBe(state.read_at !== null);
  expect(state.delivered_at !== null).toBe(state.status === 'delivered');
  expect(state.failed_at !== null).toBe(state.status === 'failed');
  if (state.read_at !== null && state.delivered_at !== null) {
    expect(state.delivered_at.getTime()).toBeLessThanOrEqual(new Date(state.read_at).getTime());
  }
}

function isContradictory(updates: readonly IncomingStatusUpdate[]): boolean {
  const kinds = new Set(updates.map((incoming) => incoming.status));
  return kinds.has('failed') && (kinds.has('delivered') || kinds.has('read'));
}

/**
 * Random updates with times drawn from a few minutes so that ties and duplicates happen.
 * A failure's details follow from its time, as a provider's would: two failures at the
 * same time are the same report.
 */
function updateSequence(): fc.Arbitrary<IncomingStatusUpdate[]> {
  const incoming = fc
    .record({
      status: fc.constantFrom(...LIFECYCLE_STATUSES, 'clicked', 'deferred'),
      minute: fc.integer({ min: 0, max: 6 }),
    })
    .map(({ status, minute }) =>
      update(status, minute, status === 'failed' ? { code: `E${minute}`, message: null, provider_status: 'failed' } : undefined),
    );
  return fc.array(incoming, { minLength: 1, maxLength: 24 });
}
