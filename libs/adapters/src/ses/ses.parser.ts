import type { ChannelContext, ParseResult, WebhookRequest } from '../shared/adapter.types';
import {
  isJsonObject,
  type JsonObject,
  parseJsonText,
  readObject,
  readObjectArray,
  readString,
  readStringArray,
} from '../shared/json-reader';
import {
  buildStatusEvent,
  type MappedStatus,
  informationalStatusFrom,
  isoFromDate,
  isoFromProviderTime,
  usableMessageId,
} from '../shared/status-event';
import { readSnsEnvelope } from './ses.envelope';
import type { SesEvent, SesRecipientDiagnostic } from './ses.types';

interface SesStatus extends MappedStatus {
  time?: string;
  /** The recipients this event is about, with their own diagnosis (one SNS message may cover several). */
  recipients: SesRecipientDiagnostic[];
}

/** One status event per recipient the SES event lists, or per destination when it lists none; confirmations give none. */
export function parseSesWebhook(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const received = isoFromDate(receivedAt);
  if (!received) return { ok: false, error: { kind: 'invalid_payload', detail: 'receivedAt is not a valid date' } };

  const envelope = readSnsEnvelope(request.rawBody);
  if (!envelope) {
    const isJson = parseJsonText(request.rawBody.toString('utf8')).ok;
    return isJson
      ? { ok: false, error: { kind: 'invalid_payload', detail: 'not an SNS message' } }
      : { ok: false, error: { kind: 'invalid_json', detail: 'body is not JSON' } };
  }
  if (envelope.Type === 'SubscriptionConfirmation' || envelope.Type === 'UnsubscribeConfirmation') {
    return { ok: true, events: { inbound: [], statuses: [] } };
  }
  if (envelope.Type !== 'Notification') return { ok: false, error: { kind: 'unsupported_payload', detail: 'unknown SNS message type' } };
  if (envelope.Message === undefined) return { ok: false, error: { kind: 'invalid_payload', detail: 'Notification without Message' } };

  const message = parseJsonText(envelope.Message);
  const event = message.ok ? decodeSesEvent(message.value) : undefined;
  if (!event) return { ok: false, error: { kind: 'unsupported_payload', detail: 'Message is not an SES event' } };

  const mapped = sesStatusOf(event);
  const messageId = usableMessageId(event.mail.messageId);
  if (!mapped || !messageId) return { ok: true, events: { inbound: [], statuses: [] } };

  // The SNS MessageId is kept across SNS's retries of one notification.
  const notificationKey = envelope.MessageId ? [envelope.MessageId] : [event.kind, messageId, mapped.time ?? ''];
  const timestamp =
    isoFromProviderTime(mapped.time) ?? isoFromProviderTime(event.mail.timestamp) ?? isoFromProviderTime(envelope.Timestamp) ?? received;
  const targets =
    mapped.recipients.length > 0 ? mapped.recipients : withAddress(event.mail.destination.map((emailAddress) => ({ emailAddress })));
  const recipients: Array<SesRecipientDiagnostic | undefined> = targets.length > 0 ? uniqueByAddress(targets) : [undefined];
  const statuses = recipients.map((recipient) =>
    buildStatusEvent(channel, received, {
      eventKey: recipients.length > 1 ? [...notificationKey, recipient?.emailAddress ?? ''] : notificationKey,
      providerMessageId: messageId,
      recipientAddress: recipient?.emailAddress,
      status: mapped.status,
      timestamp,
      // Each recipient's own diagnosis, falling back to what the event says as a whole.
      errorCode: recipient?.status ?? mapped.errorCode,
      errorMessage: recipient?.diagnosticCode ?? mapped.errorMessage,
      metadata: {
        recipient: recipient?.emailAddress,
        provider_event_id: envelope.MessageId,
        provider_status: event.kind,
        topic_arn: envelope.TopicArn,
        ...mapped.extras,
      },
    }),
  );
  return { ok: true, events: { inbound: [], statuses } };
}

function uniqueByAddress(recipients: SesRecipientDiagnostic[]): SesRecipientDiagnostic[] {
  const seen = new Set<string>();
  return recipients.filter((recipient) => {
    const key = recipient.emailAddress?.toLowerCase() ?? '';
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sesStatusOf(event: SesEvent): SesStatus | undefined {
  switch (event.kind) {
    case 'Send':
      return { status: 'sent', time: event.mail.timestamp, recipients: [] };
    case 'Delivery':
      return {
        status: 'delivered',
        time: event.delivery?.timestamp,
        recipients: withAddress((event.delivery?.recipients ?? []).map((emailAddress) => ({ emailAddress }))),
        extras: { smtp_response: event.delivery?.smtpResponse },
      };
    case 'Bounce': {
      const bounce = event.bounce;
      return {
        // Every bounce is final: SES reports transient ones only after it stopped retrying (DeliveryDelay is the retry).
        status: 'failed',
        time: bounce?.timestamp,
        recipients: withAddress(bounce?.bouncedRecipients),
        errorCode: bounce?.bounceSubType,
        extras: {
          // provider_status becomes error_details.provider_status: `Bounce/Transient` keeps the type there.
          ...(bounce?.bounceType ? { provider_status: `Bounce/${bounce.bounceType}` } : {}),
          bounce_type: bounce?.bounceType,
          bounce_sub_type: bounce?.bounceSubType,
          feedback_id: bounce?.feedbackId,
        },
      };
    }
    case 'Complaint':
      return {
        status: 'complained',
        time: event.complaint?.timestamp,
        recipients: withAddress(event.complaint?.complainedRecipients),
        extras: { complaint_feedback_type: event.complaint?.complaintFeedbackType, feedback_id: event.complaint?.feedbackId },
      };
    case 'Open':
      return { status: 'read', time: event.open?.timestamp, recipients: [] };
    case 'Click':
      return { status: 'clicked', time: event.click?.timestamp, recipients: [], extras: { link: event.click?.link } };
    case 'Reject':
      return { status: 'failed', time: event.mail.timestamp, recipients: [], errorMessage: event.reject?.reason };
    case 'Rendering Failure':
      return {
        status: 'failed',
        time: event.mail.timestamp,
        recipients: [],
        errorMessage: event.failure?.errorMessage,
        extras: { template_name: event.failure?.templateName },
      };
    case 'DeliveryDelay': {
      const delay = event.deliveryDelay;
      return {
        status: 'deferred',
        time: delay?.timestamp,
        recipients: withAddress(delay?.delayedRecipients),
        extras: { delay_type: delay?.delayType },
      };
    }
    default: {
      // A newer SES event (e.g. Subscription): recorded under its own name, never as a lifecycle move.
      const status = informationalStatusFrom(event.kind);
      return status ? { status, recipients: [] } : undefined;
    }
  }
}

function withAddress(recipients: SesRecipientDiagnostic[] | undefined): SesRecipientDiagnostic[] {
  return (recipients ?? []).filter((recipient) => recipient.emailAddress !== undefined && recipient.emailAddress.length > 0);
}

function decodeSesEvent(value: unknown): SesEvent | undefined {
  if (!isJsonObject(value)) return undefined;
  const kind = readString(value, 'eventType') ?? readString(value, 'notificationType');
  if (!kind) return undefined;
  const mail = readObject(value, 'mail') ?? {};
  const bounce = readObject(value, 'bounce');
  const complaint = readObject(value, 'complaint');
  const delivery = readObject(value, 'delivery');
  const deliveryDelay = readObject(value, 'deliveryDelay');
  const open = readObject(value, 'open');
  const click = readObject(value, 'click');
  const reject = readObject(value, 'reject');
  const failure = readObject(value, 'failure');
  return {
    kind,
    mail: {
      messageId: readString(mail, 'messageId'),
      timestamp: readString(mail, 'timestamp'),
      source: readString(mail, 'source'),
      destination: readStringArray(mail, 'destination') ?? [],
    },
    bounce: bounce && {
      bounceType: readString(bounce, 'bounceType'),
      bounceSubType: readString(bounce, 'bounceSubType'),
      bouncedRecipients: diagnosticsOf(bounce, 'bouncedRecipients'),
      timestamp: readString(bounce, 'timestamp'),
      feedbackId: readString(bounce, 'feedbackId'),
    },
    complaint: complaint && {
      complainedRecipients: diagnosticsOf(complaint, 'complainedRecipients'),
      timestamp: readString(complaint, 'timestamp'),
      feedbackId: readString(complaint, 'feedbackId'),
      complaintFeedbackType: readString(complaint, 'complaintFeedbackType'),
    },
    delivery: delivery && {
      timestamp: readString(delivery, 'timestamp'),
      recipients: readStringArray(delivery, 'recipients') ?? [],
      smtpResponse: readString(delivery, 'smtpResponse'),
    },
    deliveryDelay: deliveryDelay && {
      delayType: readString(deliveryDelay, 'delayType'),
      delayedRecipients: diagnosticsOf(deliveryDelay, 'delayedRecipients'),
      timestamp: readString(deliveryDelay, 'timestamp'),
    },
    open: open && { timestamp: readString(open, 'timestamp') },
    click: click && { timestamp: readString(click, 'timestamp'), link: readString(click, 'link') },
    reject: reject && { reason: readString(reject, 'reason') },
    failure: failure && { errorMessage: readString(failure, 'errorMessage'), templateName: readString(failure, 'templateName') },
  };
}

function diagnosticsOf(object: JsonObject, key: string): SesRecipientDiagnostic[] {
  return (readObjectArray(object, key) ?? []).map((recipient) => ({
    emailAddress: readString(recipient, 'emailAddress'),
    status: readString(recipient, 'status'),
    diagnosticCode: readString(recipient, 'diagnosticCode'),
  }));
}
