import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedEvents, WebhookRequest } from '../shared/adapter.types';
import { everyEventValid, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';
import { createBridgeAdapter } from './bridge.adapter';
import type { BridgeCall } from './bridge.types';

/**
 * How the shapes public WhatsApp Web bridges post (fixtures/public/, sources in its README) map
 * onto this route's contract: what a bridge, or a small relay in front of it, does before
 * signing. Each mapped call must give the same events as the contract fixture it corresponds to.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- public payloads, read field by field below
type Json = any;

const adapter = createBridgeAdapter({ now: () => new Date(), httpGetText: async () => '' });
const channel = specChannel('bridge');
const publicShape = (name: string): Json => JSON.parse(readFileSync(join(__dirname, 'fixtures', 'public', `${name}.json`), 'utf8'));
const contractFixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', `${name}.json`), 'utf8');

const eventsOf = (body: string): ParsedEvents => {
  const request: WebhookRequest = {
    method: 'POST',
    url: 'https://hooks.example.com/webhooks/bridge/c',
    headers: {},
    rawBody: Buffer.from(body),
  };
  const result = adapter.parse(request, channel, SPEC_RECEIVED_AT);
  expect(everyEventValid(result)).toBe(true);
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.detail}`);
  return result.events;
};

/** `5511987654321@s.whatsapp.net` / `…@c.us` → `5511987654321`: the contract carries numbers, not JIDs. */
const numberOf = (jid: string): string => jid.split('@')[0].split(':')[0];

/** Connection words onto the contract's (lower case, `_`). */
const EVOLUTION_STATE: Record<string, string> = { open: 'connected', connecting: 'connecting', close: 'disconnected' };
const WAHA_SESSION_STATUS: Record<string, string> = {
  WORKING: 'connected',
  STARTING: 'connecting',
  SCAN_QR_CODE: 'qr_required',
  STOPPED: 'disconnected',
  FAILED: 'disconnected',
};

/**
 * Evolution API v2. Differences: `event` not `event_type`, lower-case dotted names of its own;
 * the sender is `data.key.remoteJid` (a JID) and our number the top-level `sender`; the text is
 * `message.conversation` (or `extendedTextMessage.text`); the call time is `date_time`; delivery
 * progress comes as `messages.update` with Baileys' status words (`SERVER_ACK` = sent, `ERROR` = failed).
 */
function fromEvolution(call: Json): BridgeCall {
  switch (call.event) {
    case 'messages.upsert':
      return {
        event_type: 'message.received',
        timestamp: call.date_time,
        data: {
          from_number: numberOf(call.data.key.remoteJid),
          to_number: numberOf(call.sender),
          message_id: call.data.key.id,
          text: call.data.message.conversation ?? call.data.message.extendedTextMessage?.text,
          timestamp: call.data.messageTimestamp,
        },
      };
    case 'messages.update':
      return {
        event_type:
          call.data.status === 'ERROR' ? 'message.failed' : call.data.status === 'SERVER_ACK' ? 'message.sent' : 'message.progress',
        timestamp: call.date_time,
        data: { message_id: call.data.keyId, status: call.data.status },
      };
    case 'connection.update':
      return {
        event_type: 'connection.status',
        timestamp: call.date_time,
        data: { status: EVOLUTION_STATE[call.data.state] ?? call.data.state, session_id: call.instance },
      };
    default:
      return { event_type: call.event, timestamp: call.date_time, data: call.data };
  }
}

/**
 * WAHA. Differences: `event` + `payload`; the call time is `timestamp` in milliseconds; the message
 * id is serialised as `<fromMe>_<chat JID>_<id>` (the contract takes the bare id, the one sending
 * returned); acknowledgements are numbers (`ack` -1 = ERROR, 1 = SERVER); the session state is
 * `session.status` with upper-case words, the session being the top-level `session`.
 */
function fromWaha(call: Json): BridgeCall {
  const bareId = (serialised: string) => serialised.split('_').at(-1) as string;
  switch (call.event) {
    case 'message':
      return {
        event_type: 'message.received',
        timestamp: call.timestamp,
        data: {
          from_number: numberOf(call.payload.from),
          to_number: numberOf(call.payload.to),
          message_id: bareId(call.payload.id),
          text: call.payload.body,
          media_url: call.payload.hasMedia ? call.payload.media?.url : undefined,
          media_type: call.payload.hasMedia ? call.payload.media?.mimetype : undefined,
          timestamp: call.payload.timestamp,
        },
      };
    case 'message.ack':
      return {
        event_type: call.payload.ack === -1 ? 'message.failed' : call.payload.ack === 1 ? 'message.sent' : 'message.progress',
        timestamp: call.timestamp,
        data: { message_id: bareId(call.payload.id), status: call.payload.ackName },
      };
    case 'session.status':
      return {
        event_type: 'connection.status',
        timestamp: call.timestamp,
        data: { status: WAHA_SESSION_STATUS[call.payload.status] ?? call.payload.status, session_id: call.session },
      };
    default:
      return { event_type: call.event, timestamp: call.timestamp, data: call.payload };
  }
}

/**
 * go-whatsapp-web-multidevice. Differences: a message call has no event name at all (the
 * `message` object says it is one); it never names our own number, so the bridge adds the number
 * it runs (`ownNumber`); media is a path on the bridge (`statics/…`), served from its origin;
 * receipts are `message.ack` with a list of ids and `receipt_type` (`delivered`, `read`, …):
 * nothing in this contract, so they reach us as an event type the route skips.
 */
function fromGoWhatsApp(call: Json, ownNumber: string, bridgeOrigin: string): BridgeCall {
  if (call.event === 'message.ack') {
    return { event_type: `message.${call.payload.receipt_type}`, timestamp: call.timestamp, data: { message_id: call.payload.ids[0] } };
  }
  const media = call.image ?? call.video ?? call.audio ?? call.document;
  return {
    event_type: 'message.received',
    timestamp: call.timestamp,
    data: {
      from_number: call.sender_id,
      to_number: ownNumber,
      message_id: call.message.id,
      text: call.message.text || media?.caption,
      media_url: media ? `${bridgeOrigin}/${media.media_path}` : undefined,
      media_type: media?.mime_type,
      timestamp: call.timestamp,
    },
  };
}

describe('public bridge shapes, mapped onto the contract', () => {
  it.each([
    ['Evolution API messages.upsert', () => fromEvolution(publicShape('evolution-api.messages-upsert')), 'message-received-text'],
    ['Evolution API messages.update (SERVER_ACK)', () => fromEvolution(publicShape('evolution-api.messages-update')), 'message-sent'],
    [
      'Evolution API connection.update (open)',
      () => fromEvolution(publicShape('evolution-api.connection-update')),
      'connection-status-connected',
    ],
    ['WAHA message', () => fromWaha(publicShape('waha.message')), 'message-received-text'],
    ['WAHA session.status (FAILED)', () => fromWaha(publicShape('waha.session-status')), 'connection-status-disconnected'],
    [
      'go-whatsapp-web-multidevice message with an image',
      () => fromGoWhatsApp(publicShape('go-whatsapp-web-multidevice.message'), '628987654321', 'https://bridge.example.test'),
      'message-received-image',
    ],
  ])('%s gives the events of fixtures/%s.json', (_case, mapped, contractName) => {
    expect(eventsOf(JSON.stringify(mapped()))).toEqual(eventsOf(contractFixture(contractName)));
  });

  it('WAHA message.ack ERROR → message.failed for the bare message id (WAHA gives no error text)', () => {
    const { statuses } = eventsOf(JSON.stringify(fromWaha(publicShape('waha.message-ack-error'))));
    const [expected] = eventsOf(contractFixture('message-failed')).statuses;
    const { error_message: _absent, ...withoutErrorText } = expected;
    expect(statuses).toEqual([withoutErrorText]);
  });

  it('go-whatsapp-web-multidevice receipts have no event in the contract: accepted and skipped', () => {
    const mapped = fromGoWhatsApp(publicShape('go-whatsapp-web-multidevice.message-ack'), '628987654321', 'https://bridge.example.test');
    expect(mapped.event_type).toBe('message.delivered');
    expect(eventsOf(JSON.stringify(mapped))).toEqual({ inbound: [], statuses: [], skipped: { unknown_event_type: 1 } });
  });

  it('a public shape posted unmapped is not mistaken for a contract call', () => {
    for (const name of ['evolution-api.messages-upsert', 'waha.message', 'go-whatsapp-web-multidevice.message']) {
      const request: WebhookRequest = {
        method: 'POST',
        url: 'https://hooks.example.com/webhooks/bridge/c',
        headers: {},
        rawBody: Buffer.from(JSON.stringify(publicShape(name))),
      };
      const result = adapter.parse(request, channel, SPEC_RECEIVED_AT);
      expect(result.ok ? result.events.inbound.length + result.events.statuses.length : 0).toBe(0);
    }
  });
});
