import type { ChannelContext, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { isJsonObject, type JsonObject, readBoolean, readNumber, readString } from '../shared/json-reader';
import {
  buildStatusEvent,
  type MappedStatus,
  informationalStatusFrom,
  isoFromProviderTime,
  usableMessageId,
  readJsonStatusCall,
} from '../shared/status-event';
import { POSTMARK_BOUNCE_TYPE_CODES, type PostmarkBounceType, type PostmarkRecord } from './postmark.types';

interface PostmarkStatus extends MappedStatus {
  /** Postmark sends no event id: the record type, message, time and what tells records apart. */
  eventKey: Array<string | number>;
  time?: string;
  recipient?: string;
  providerStatus: string;
  providerEventId?: string;
}

const BOUNCE_OUTCOMES: Readonly<Record<PostmarkBounceType, string>> = {
  HardBounce: 'failed',
  BadEmailAddress: 'failed',
  ManuallyDeactivated: 'failed',
  Unconfirmed: 'failed',
  Blocked: 'failed',
  SMTPApiError: 'failed',
  InboundError: 'failed',
  DMARCPolicy: 'failed',
  TemplateRenderingFailed: 'failed',
  VirusNotification: 'failed',
  SpamNotification: 'failed',
  // Postmark (or the receiving server) may still get it through, or cannot tell.
  Transient: 'deferred',
  SoftBounce: 'deferred',
  DnsError: 'deferred',
  Unknown: 'deferred',
  SpamComplaint: 'complained',
  Unsubscribe: 'unsubscribed',
  Subscribe: 'subscribed',
  // Replies about the mailbox, not failures of the message.
  AutoResponder: 'auto_responder',
  AddressChange: 'address_change',
  ChallengeVerification: 'challenge_verification',
  OpenRelayTest: 'open_relay_test',
};

/** At most one status event; a payload without `RecordType` (the inbound-email webhook) is unsupported. */
export function parsePostmarkWebhook(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const body = readJsonStatusCall(request, receivedAt);
  if (!body.ok) return body;
  const { received } = body;
  if (!isJsonObject(body.value)) return { ok: false, error: { kind: 'invalid_payload', detail: 'body is not a JSON object' } };
  const record = decodePostmarkRecord(body.value);
  if (!record) return { ok: false, error: { kind: 'unsupported_payload', detail: 'no RecordType: not a Postmark outbound event' } };

  const mapped = postmarkStatusOf(record);
  const messageId = usableMessageId(record.MessageID);
  if (!mapped || !messageId) return { ok: true, events: { inbound: [], statuses: [] } };

  const status = buildStatusEvent(channel, received, {
    eventKey: mapped.eventKey,
    providerMessageId: messageId,
    recipientAddress: mapped.recipient,
    status: mapped.status,
    timestamp: isoFromProviderTime(mapped.time) ?? received,
    errorCode: mapped.errorCode,
    errorMessage: mapped.errorMessage,
    metadata: {
      recipient: mapped.recipient,
      provider_event_id: mapped.providerEventId,
      provider_status: mapped.providerStatus,
      message_stream: record.MessageStream,
      tag: record.Tag,
      ...mapped.extras,
    },
  });
  return { ok: true, events: { inbound: [], statuses: [status] } };
}

function postmarkStatusOf(record: PostmarkRecord): PostmarkStatus | undefined {
  const messageId = record.MessageID ?? '';
  switch (record.RecordType) {
    case 'Delivery':
      return {
        status: 'delivered',
        eventKey: ['Delivery', messageId, record.DeliveredAt ?? '', record.Recipient ?? ''],
        time: record.DeliveredAt,
        recipient: record.Recipient,
        providerStatus: 'Delivery',
        extras: { details: record.Details },
      };
    case 'Bounce': {
      const bounceType = bounceTypeOf(record);
      const status = bounceType ? BOUNCE_OUTCOMES[bounceType] : record.Type && informationalStatusFrom(record.Type);
      if (!status) return undefined;
      return {
        status,
        eventKey: ['Bounce', messageId, record.BouncedAt ?? '', record.ID ?? ''],
        time: record.BouncedAt,
        recipient: record.Email,
        providerStatus: bounceType ?? record.Type ?? 'Bounce',
        providerEventId: record.ID?.toString(),
        errorCode: (record.TypeCode ?? (bounceType && POSTMARK_BOUNCE_TYPE_CODES[bounceType]))?.toString(),
        errorMessage: record.Details ?? record.Description,
        extras: { inactive: record.Inactive },
      };
    }
    case 'SpamComplaint':
      return {
        status: 'complained',
        eventKey: ['SpamComplaint', messageId, record.BouncedAt ?? '', record.ID ?? ''],
        time: record.BouncedAt,
        recipient: record.Email,
        providerStatus: 'SpamComplaint',
        providerEventId: record.ID?.toString(),
        extras: { inactive: record.Inactive },
      };
    case 'Open':
      return {
        status: 'read',
        eventKey: ['Open', messageId, record.ReceivedAt ?? '', record.Recipient ?? ''],
        time: record.ReceivedAt,
        recipient: record.Recipient,
        providerStatus: 'Open',
        extras: { first_open: record.FirstOpen },
      };
    case 'Click':
      return {
        status: 'clicked',
        eventKey: ['Click', messageId, record.ReceivedAt ?? '', record.Recipient ?? '', record.OriginalLink ?? ''],
        time: record.ReceivedAt,
        recipient: record.Recipient,
        providerStatus: 'Click',
        extras: { link: record.OriginalLink, click_location: record.ClickLocation },
      };
    case 'SubscriptionChange':
      return {
        // SuppressSending false means the recipient was reactivated.
        status: record.SuppressSending === false ? 'resubscribed' : 'unsubscribed',
        eventKey: ['SubscriptionChange', messageId, record.ChangedAt ?? '', record.Recipient ?? ''],
        time: record.ChangedAt,
        recipient: record.Recipient,
        providerStatus: 'SubscriptionChange',
        extras: { suppression_reason: record.SuppressionReason, origin: record.Origin },
      };
    case 'Inbound':
      return undefined; // an inbound email, not news about one we sent
    default: {
      // A newer record type: recorded under its own name, never as a lifecycle move.
      const status = informationalStatusFrom(record.RecordType);
      if (!status) return undefined;
      return {
        status,
        eventKey: [record.RecordType, messageId, record.Recipient ?? ''],
        recipient: record.Recipient,
        providerStatus: record.RecordType,
      };
    }
  }
}

/** The bounce type by name, or by code when the name is missing or new to us. */
function bounceTypeOf(record: PostmarkRecord): PostmarkBounceType | undefined {
  const names = Object.keys(POSTMARK_BOUNCE_TYPE_CODES) as PostmarkBounceType[];
  if (record.Type !== undefined && (names as string[]).includes(record.Type)) return record.Type as PostmarkBounceType;
  return names.find((name) => POSTMARK_BOUNCE_TYPE_CODES[name] === record.TypeCode);
}

function decodePostmarkRecord(value: JsonObject): PostmarkRecord | undefined {
  const recordType = readString(value, 'RecordType');
  if (!recordType) return undefined;
  return {
    RecordType: recordType,
    MessageID: readString(value, 'MessageID'),
    MessageStream: readString(value, 'MessageStream'),
    Tag: readString(value, 'Tag'),
    Recipient: readString(value, 'Recipient'),
    ID: readNumber(value, 'ID'),
    Type: readString(value, 'Type'),
    TypeCode: readNumber(value, 'TypeCode'),
    Email: readString(value, 'Email'),
    Description: readString(value, 'Description'),
    Details: readString(value, 'Details'),
    Inactive: readBoolean(value, 'Inactive'),
    DeliveredAt: readString(value, 'DeliveredAt'),
    BouncedAt: readString(value, 'BouncedAt'),
    ReceivedAt: readString(value, 'ReceivedAt'),
    FirstOpen: readBoolean(value, 'FirstOpen'),
    OriginalLink: readString(value, 'OriginalLink'),
    ClickLocation: readString(value, 'ClickLocation'),
    ChangedAt: readString(value, 'ChangedAt'),
    SuppressSending: readBoolean(value, 'SuppressSending'),
    SuppressionReason: readString(value, 'SuppressionReason'),
    Origin: readString(value, 'Origin'),
  };
}
