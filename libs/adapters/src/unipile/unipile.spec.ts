import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseResult, WebhookRequest } from '../shared/adapter.types';
import { deterministicEventId } from '../shared/event-id';
import { commonEventFields, everyEventValid, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';
import { createUnipileAdapter } from './unipile.adapter';

const adapter = createUnipileAdapter({ now: () => new Date(), httpGetText: async () => '' });
const channel = specChannel('unipile');

const call = (body: string | Buffer): WebhookRequest => ({
  method: 'POST',
  url: `https://hooks.example.com/webhooks/unipile/${channel.id}`,
  headers: {},
  rawBody: Buffer.from(body),
});
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', `${name}.json`), 'utf8');
const fixtureWith = (name: string, change: Record<string, unknown>) => ({ ...JSON.parse(fixture(name)), ...change });
const parse = (body: string | object): ParseResult => {
  const result = adapter.parse(call(typeof body === 'string' ? body : JSON.stringify(body)), channel, SPEC_RECEIVED_AT);
  expect(everyEventValid(result)).toBe(true);
  return result;
};
const events = (body: string | object) => {
  const result = parse(body);
  if (!result.ok) throw new Error(`expected events, got ${result.error.kind}: ${result.error.detail}`);
  return result.events;
};

const MESSAGE_ID = 'ykmhfXlRW0W_cqReJYrfBw';
const KIM = 'ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E';

describe('Unipile calls → events', () => {
  it("message_received (Unipile's documented example) → one inbound message from the sender's provider id", () => {
    expect(events(fixture('message-received'))).toEqual({
      inbound: [
        {
          ...commonEventFields(channel),
          event_id: deterministicEventId(channel.id, 'unipile', 'message', MESSAGE_ID),
          provider_message_id: MESSAGE_ID,
          sender_address: KIM,
          sender_name: 'Kim Unipile',
          message_body: 'Hello World !',
          timestamp: '2023-09-24T13:49:07.965Z',
          metadata: { chat_id: 'R8J-xM9WX7eoHLp6gSVtWQ', unipile_account_id: 'dfXlh46vQYCsMbVarumWlg', account_type: 'LINKEDIN' },
        },
      ],
      statuses: [],
    });
  });

  it('message_read of a message the account sent → a read status for that message id', () => {
    expect(events(fixture('message-read'))).toEqual({
      inbound: [],
      statuses: [
        {
          ...commonEventFields(channel),
          event_id: deterministicEventId(channel.id, 'unipile', 'status', MESSAGE_ID, 'read'),
          provider_message_id: MESSAGE_ID,
          status: 'read',
          timestamp: '2023-09-24T13:49:07.965Z',
          metadata: { provider_status: 'message_read' },
        },
      ],
    });
    // is_sender, when Unipile sends it, says the same.
    expect(events(fixtureWith('message-read', { account_info: undefined, is_sender: true })).statuses).toHaveLength(1);
  });

  it('message_read of a message someone else sent, or one the call does not attribute → accepted, nothing moves, counted', () => {
    const notOurs = { inbound: [], statuses: [], skipped: { not_own_message: 1 } };
    expect(events(fixtureWith('message-read', { account_info: { user_id: 'ACoSomeoneElse' } }))).toEqual(notOurs);
    expect(events(fixtureWith('message-read', { is_sender: false }))).toEqual(notOurs);
    expect(events(fixtureWith('message-read', { account_info: undefined }))).toEqual(notOurs);
  });

  it('message_received sent by the account itself (from another device) → not an inbound message, counted', () => {
    expect(events(fixture('message-received-from-own-account'))).toEqual({ inbound: [], statuses: [], skipped: { own_message: 1 } });
    expect(events(fixtureWith('message-received', { is_sender: true }))).toEqual({
      inbound: [],
      statuses: [],
      skipped: { own_message: 1 },
    });
    // is_sender: false wins over an account_info that would say otherwise.
    expect(events(fixtureWith('message-received-from-own-account', { is_sender: false })).inbound).toHaveLength(1);
  });

  it('other events (a reaction, an edit, a deletion) → accepted with nothing in them, counted as an unknown event type', () => {
    const skipped = { inbound: [], statuses: [], skipped: { unknown_event_type: 1 } };
    expect(events(fixture('message-reaction'))).toEqual(skipped);
    expect(events({ event: 'message_edited' })).toEqual(skipped);
    expect(events({ event: 'message_deleted', message_id: 7 })).toEqual(skipped);
  });

  it('a message without text or name, or with an unreadable time → no body, no name, the receipt time', () => {
    const [event] = events(
      fixtureWith('message-received', {
        message: null,
        timestamp: 'yesterday',
        sender: { attendee_id: 'x', attendee_provider_id: '+33612345678', attendee_name: '' },
      }),
    ).inbound;
    expect(event).toEqual({
      ...commonEventFields(channel),
      event_id: deterministicEventId(channel.id, 'unipile', 'message', MESSAGE_ID),
      provider_message_id: MESSAGE_ID,
      sender_address: '+33612345678',
      timestamp: SPEC_RECEIVED_AT.toISOString(),
      metadata: { chat_id: 'R8J-xM9WX7eoHLp6gSVtWQ', unipile_account_id: 'dfXlh46vQYCsMbVarumWlg', account_type: 'LINKEDIN' },
    });
  });

  it("the same call twice gives the same event ids (Unipile's retry is recognisable)", () => {
    for (const name of ['message-received', 'message-read']) {
      const [first, second] = [events(fixture(name)), events(fixture(name))];
      expect([...second.inbound, ...second.statuses].map((event) => event.event_id)).toEqual(
        [...first.inbound, ...first.statuses].map((event) => event.event_id),
      );
    }
  });

  describe('refuses what it cannot read (400)', () => {
    it.each([
      ['not JSON', '{"event": "message_received", ', 'invalid_json'],
      ['empty', '', 'invalid_json'],
      ['a JSON array', '[]', 'invalid_payload'],
      ['no event', '{"message_id": "a"}', 'invalid_payload'],
      ['a message without message_id', JSON.stringify(fixtureWith('message-received', { message_id: undefined })), 'invalid_payload'],
      [
        'a message_id too long to be stored',
        JSON.stringify(fixtureWith('message-received', { message_id: 'x'.repeat(513) })),
        'invalid_payload',
      ],
      ['a sender that is not an object', JSON.stringify(fixtureWith('message-received', { sender: 'Kim' })), 'invalid_payload'],
      [
        'a sender without provider id',
        JSON.stringify(fixtureWith('message-received', { sender: { attendee_id: 'C8', attendee_name: 'Kim' } })),
        'invalid_payload',
      ],
    ])('%s → %s', (_what, body, kind) => {
      const result = parse(body);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.kind).toBe(kind);
    });
  });
});
