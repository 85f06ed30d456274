import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InboundMessageEvent, StatusUpdateEvent, validateEvent } from '@inbound/contracts';
import type { ParsedEvents, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { createSmsAdapter } from './sms.adapter';
import type { TwilioInboundMessageParams, TwilioStatusCallbackParams } from './sms.types';
import inboundSmsFixture from './fixtures/inbound-sms.json';
import inboundMmsFixture from './fixtures/inbound-mms.json';
import statusFixture from './fixtures/status-undelivered.json';
import { commonEventFields, SPEC_RECEIVED_AT, specChannel } from '../shared/testing/adapter-spec-support';

const channel = specChannel('sms');
const receivedAt = SPEC_RECEIVED_AT;
const common = commonEventFields(channel);

const adapter = createSmsAdapter({ now: () => receivedAt, httpGetText: async () => '' });

/** The fixtures are the documented form bodies shown decoded (docs/PROVIDERS.md, Twilio SMS); Twilio posts them form-encoded. */
function formBody(name: string): string {
  return new URLSearchParams(JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as Record<string, string>).toString();
}

function request(rawBody: string, contentType = 'application/x-www-form-urlencoded'): WebhookRequest {
  return {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/sms/${channel.id}`,
    headers: { 'content-type': contentType, 'x-twilio-signature': 'checked elsewhere' },
    rawBody: Buffer.from(rawBody, 'utf8'),
  };
}

function parse(rawBody: string, contentType?: string): ParseResult {
  return adapter.parse(request(rawBody, contentType), channel, receivedAt);
}

function eventsOf(rawBody: string, contentType?: string): ParsedEvents {
  const result = parse(rawBody, contentType);
  if (!result.ok) throw new Error(`parse failed: ${result.error.kind} ${result.error.detail}`);
  for (const event of result.events.inbound) {
    expect(validateEvent(InboundMessageEvent, JSON.parse(JSON.stringify(event)))).toMatchObject({ ok: true });
  }
  for (const event of result.events.statuses) {
    expect(validateEvent(StatusUpdateEvent, JSON.parse(JSON.stringify(event)))).toMatchObject({ ok: true });
  }
  return result.events;
}

function statusCallback(messageStatus: string, extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    MessageSid: 'SM44444444444444444444444444444444',
    AccountSid: 'AC00000000000000000000000000000000',
    From: '+15557122661',
    To: '+15558675310',
    MessageStatus: messageStatus,
    SmsStatus: messageStatus,
    ApiVersion: '2010-04-01',
    ...extra,
  }).toString();
}

describe('Twilio fixtures (docs/PROVIDERS.md, Twilio SMS)', () => {
  it('match the documented types', () => {
    const inbound: TwilioInboundMessageParams[] = [inboundSmsFixture, inboundMmsFixture];
    const status: TwilioStatusCallbackParams = statusFixture;
    expect(inbound.map((params) => params.SmsStatus)).toEqual(['received', 'received']);
    expect(status.MessageStatus).toBe('undelivered');
  });

  it('an inbound SMS', () => {
    expect(eventsOf(formBody('inbound-sms.json'))).toEqual({
      inbound: [
        {
          ...common,
          event_id: '5543a8b4-694c-5c5f-8652-97be240cc803',
          provider_message_id: 'SM11111111111111111111111111111111',
          sender_address: '+14017122661',
          message_body: "Ahoy! Let's build something amazing.",
          // Twilio sends no time with the message.
          timestamp: '2025-01-01T00:00:05.000Z',
          metadata: {
            to: '+15558675310',
            account_sid: 'AC00000000000000000000000000000000',
            num_segments: '1',
            from_city: 'SAN FRANCISCO',
            from_state: 'CA',
            from_zip: '94103',
            from_country: 'US',
            to_city: 'SAUSALITO',
            to_state: 'CA',
            to_zip: '94965',
            to_country: 'US',
          },
        },
      ],
      statuses: [],
    });
  });

  it('an inbound MMS: the first media as media_url/media_type, all media in metadata', () => {
    const mediaUrl =
      'https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/MM22222222222222222222222222222222/Media/ME33333333333333333333333333333333';
    expect(eventsOf(formBody('inbound-mms.json'))).toEqual({
      inbound: [
        {
          ...common,
          event_id: 'd246a7f3-4c26-5e7f-99ff-8f35ee594778',
          provider_message_id: 'MM22222222222222222222222222222222',
          sender_address: '+14017122661',
          message_body: 'photo',
          timestamp: '2025-01-01T00:00:05.000Z',
          media_url: mediaUrl,
          media_type: 'image/jpeg',
          metadata: {
            to: '+15558675310',
            account_sid: 'AC00000000000000000000000000000000',
            num_segments: '1',
            media: [{ url: mediaUrl, content_type: 'image/jpeg' }],
          },
        },
      ],
      statuses: [],
    });
  });

  it('an undelivered status callback is failed, with the error code and the Twilio word', () => {
    expect(eventsOf(formBody('status-undelivered.json'))).toEqual({
      inbound: [],
      statuses: [
        {
          ...common,
          event_id: '1fb4cd83-a134-5561-8a61-e7ac5999ed39',
          provider_message_id: 'SM44444444444444444444444444444444',
          status: 'failed',
          timestamp: '2025-01-01T00:00:05.000Z',
          error_code: '30003',
          metadata: {
            provider_status: 'undelivered',
            to: '+15558675310',
            from: '+15557122661',
            account_sid: 'AC00000000000000000000000000000000',
            messaging_service_sid: 'MG55555555555555555555555555555555',
          },
        },
      ],
    });
  });
});

describe('Twilio status callbacks', () => {
  it.each([
    ['queued', 'queued'],
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['sending', 'queued'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['undelivered', 'failed'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    ['partially_delivered', 'partially_delivered'],
    ['receiving', 'receiving'],
    ['Some-New Status', 'some_new_status'],
  ])('MessageStatus %s → %s, the Twilio word kept', (twilioStatus, eventStatus) => {
    const { statuses } = eventsOf(statusCallback(twilioStatus));
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ status: eventStatus, metadata: { provider_status: twilioStatus.toLowerCase() } });
  });

  it('a failed callback with ErrorCode and ErrorMessage', () => {
    const { statuses } = eventsOf(statusCallback('failed', { ErrorCode: '30007', ErrorMessage: 'Carrier violation' }));
    expect(statuses[0]).toMatchObject({ status: 'failed', error_code: '30007', error_message: 'Carrier violation' });
  });

  it('WhatsApp and SMS receipt extras go to metadata', () => {
    const { statuses } = eventsOf(
      statusCallback('read', { ChannelStatusMessage: 'Message read', EventType: 'READ', RawDlrDoneDate: '2501010000' }),
    );
    expect(statuses[0].metadata).toMatchObject({
      channel_status_message: 'Message read',
      event_type: 'READ',
      raw_dlr_done_date: '2501010000',
    });
  });

  it('each status of one message is its own event; a retry of one is the same event', () => {
    const sent = eventsOf(statusCallback('sent')).statuses[0];
    const delivered = eventsOf(statusCallback('delivered')).statuses[0];
    expect(sent.event_id).not.toBe(delivered.event_id);
    expect(eventsOf(statusCallback('delivered')).statuses[0]).toEqual(delivered);
    // undelivered and failed both map to failed but are different Twilio events
    expect(eventsOf(statusCallback('undelivered')).statuses[0].event_id).not.toBe(eventsOf(statusCallback('failed')).statuses[0].event_id);
  });

  it('many callbacks give as many distinct event ids', () => {
    const ids = new Set<string>();
    for (let index = 0; index < 300; index += 1) {
      const sid = `SM${String(index).padStart(32, '0')}`;
      ids.add(eventsOf(statusCallback(['sent', 'delivered', 'read'][index % 3], { MessageSid: sid, SmsSid: sid })).statuses[0].event_id);
    }
    expect(ids.size).toBe(300);
  });
});

describe('Twilio inbound messages', () => {
  it('MessageStatus=received is an inbound message', () => {
    const body = new URLSearchParams({ MessageSid: 'SM1', From: '+1555', To: '+1666', Body: 'hi', MessageStatus: 'received' }).toString();
    expect(eventsOf(body).inbound).toHaveLength(1);
  });

  it('without MessageSid, SmsSid names the message', () => {
    const body = new URLSearchParams({ SmsSid: 'SM9', From: '+1555', Body: 'hi' }).toString();
    expect(eventsOf(body).inbound[0].provider_message_id).toBe('SM9');
  });

  it('several media, each with its content type', () => {
    const body = new URLSearchParams({
      MessageSid: 'MM1',
      From: '+1555',
      NumMedia: '3',
      MediaUrl0: 'https://api.twilio.com/m/0',
      MediaContentType0: 'image/png',
      MediaUrl1: 'https://api.twilio.com/m/1',
      MediaContentType1: 'video/mp4',
      MediaUrl2: 'https://api.twilio.com/m/2',
    }).toString();
    const [event] = eventsOf(body).inbound;
    expect(event).toMatchObject({ media_url: 'https://api.twilio.com/m/0', media_type: 'image/png' });
    expect(event.message_body).toBeUndefined();
    expect(event.metadata['media']).toEqual([
      { url: 'https://api.twilio.com/m/0', content_type: 'image/png' },
      { url: 'https://api.twilio.com/m/1', content_type: 'video/mp4' },
      { url: 'https://api.twilio.com/m/2' },
    ]);
  });

  it('a WhatsApp message through Twilio: profile name and WhatsApp extras', () => {
    const body = new URLSearchParams({
      MessageSid: 'SM2',
      From: 'whatsapp:+14017122661',
      To: 'whatsapp:+15558675310',
      Body: 'Yes',
      ProfileName: 'Ada',
      WaId: '14017122661',
      ButtonPayload: 'confirm',
      ButtonText: 'Yes',
      OriginalRepliedMessageSid: 'SM0',
    }).toString();
    expect(eventsOf(body).inbound[0]).toMatchObject({
      sender_address: 'whatsapp:+14017122661',
      sender_name: 'Ada',
      metadata: { wa_id: '14017122661', button_payload: 'confirm', button_text: 'Yes', reply_to_message_id: 'SM0' },
    });
  });

  it('a JSON body of parameters is read the same way', () => {
    const body = JSON.stringify({ MessageSid: 'SM3', From: '+1555', Body: 'json', NumMedia: 0 });
    expect(eventsOf(body, 'application/json').inbound[0]).toMatchObject({ provider_message_id: 'SM3', message_body: 'json' });
  });

  it('a JSON body that is not JSON is invalid_json', () => {
    expect(parse('MessageSid=SM1', 'application/json')).toEqual({ ok: false, error: { kind: 'invalid_json', detail: expect.any(String) } });
    expect(parse('[1,2]', 'application/json')).toMatchObject({ ok: false, error: { kind: 'invalid_payload' } });
  });

  it.each([
    ['an empty body', ''],
    ['a body without MessageSid', 'From=%2B1555&Body=hi'],
    ['an inbound message without From', 'MessageSid=SM1&Body=hi'],
    ['JSON posted as a form', '{"MessageSid":"SM1"}'],
  ])('%s is invalid_payload', (_case, body) => {
    expect(parse(body)).toMatchObject({ ok: false, error: { kind: 'invalid_payload' } });
  });

  it('the same call parsed twice gives the same event', () => {
    expect(parse(formBody('inbound-mms.json'))).toEqual(parse(formBody('inbound-mms.json')));
  });
});
