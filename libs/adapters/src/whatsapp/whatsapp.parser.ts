import { FIELD_LIMITS, isLifecycleStatus, type InboundMessageEvent, type StatusUpdateEvent } from '@inbound/contracts';
import type { ChannelContext, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { countSkipped, eventsWithSkipped, type SkippedTally } from '../shared/skipped-items';
import { deterministicEventId } from '../shared/event-id';
import {
  asArray,
  asUnchecked,
  booleanValue,
  decodeJsonBody,
  epochToIso,
  identifierValue,
  numberValue,
  statusWord,
  stringValue,
  truncate,
  type Unchecked,
  withoutUndefined,
} from '../shared/payload-value';
import {
  WHATSAPP_MEDIA_TYPES,
  type WhatsAppChange,
  type WhatsAppChangeValue,
  type WhatsAppContact,
  type WhatsAppEntry,
  type WhatsAppError,
  type WhatsAppInteractive,
  type WhatsAppLocation,
  type WhatsAppMedia,
  type WhatsAppMessage,
  type WhatsAppMessageContext,
  type WhatsAppNotification,
  type WhatsAppReply,
  type WhatsAppSharedContact,
  type WhatsAppStatus,
} from './whatsapp.types';

interface CallContext {
  channel: ChannelContext;
  receivedAt: string;
  numberDetails: Record<string, unknown>;
}

interface MessageContent {
  body?: string;
  mediaType?: string;
  mediaUrl?: string;
  details: Record<string, unknown>;
}

function describeError(error: Unchecked<WhatsAppError> | undefined): { code?: string; message?: string } {
  if (!error) return {};
  const code = identifierValue(error.code, FIELD_LIMITS.code);
  const summary = stringValue(error.message) || stringValue(error.title);
  const details = stringValue(asUnchecked<{ details: string }>(error.error_data)?.details);
  const message = summary && details && details !== summary ? `${summary} (${details})` : summary || details;
  return { code, message: truncate(message, FIELD_LIMITS.longText) };
}

function mediaContent(type: string, media: Unchecked<WhatsAppMedia> | undefined): MessageContent {
  const url = stringValue(media?.url);
  return {
    body: stringValue(media?.caption),
    mediaType: type,
    mediaUrl: url !== undefined && url.length <= FIELD_LIMITS.longText ? url : undefined,
    details: withoutUndefined({
      // Download through the Graph API with the media id; the url needs the access token too.
      media_id: identifierValue(media?.id),
      mime_type: stringValue(media?.mime_type),
      sha256: stringValue(media?.sha256),
      filename: stringValue(media?.filename),
      voice: booleanValue(media?.voice),
      animated: booleanValue(media?.animated),
    }),
  };
}

function sharedContactSummary(value: unknown): Record<string, unknown> | undefined {
  const contact = asUnchecked<WhatsAppSharedContact>(value);
  if (!contact) return undefined;
  const phones = asArray(contact.phones)
    .map((phone) => stringValue(asUnchecked<{ phone: string }>(phone)?.phone))
    .filter((phone): phone is string => phone !== undefined);
  return withoutUndefined({
    formatted_name: stringValue(asUnchecked<WhatsAppSharedContact['name']>(contact.name)?.formatted_name),
    phones,
  });
}

/** Per type, as listed in https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components#messages-object */
function describeMessage(type: string, message: Unchecked<WhatsAppMessage>): MessageContent {
  if ((WHATSAPP_MEDIA_TYPES as readonly string[]).includes(type)) {
    return mediaContent(type, asUnchecked<WhatsAppMedia>(message[type as (typeof WHATSAPP_MEDIA_TYPES)[number]]));
  }
  switch (type) {
    case 'text':
      return { body: stringValue(asUnchecked<{ body: string }>(message.text)?.body), details: {} };
    case 'location': {
      const location = asUnchecked<WhatsAppLocation>(message.location);
      const details = withoutUndefined({
        latitude: numberValue(location?.latitude),
        longitude: numberValue(location?.longitude),
        name: stringValue(location?.name),
        address: stringValue(location?.address),
        url: stringValue(location?.url),
      });
      return { mediaType: 'location', details: { location: details } };
    }
    case 'contacts': {
      const contacts = asArray(message.contacts)
        .map(sharedContactSummary)
        .filter((contact) => contact !== undefined);
      return { mediaType: 'contacts', details: { contacts } };
    }
    case 'interactive': {
      const interactive = asUnchecked<WhatsAppInteractive>(message.interactive);
      const reply = asUnchecked<WhatsAppReply>(interactive?.button_reply ?? interactive?.list_reply);
      return {
        body: stringValue(reply?.title),
        details: withoutUndefined({
          interactive_type: stringValue(interactive?.type),
          reply_id: stringValue(reply?.id),
          reply_description: stringValue(reply?.description),
        }),
      };
    }
    case 'button': {
      const button = asUnchecked<{ payload: string; text: string }>(message.button);
      return { body: stringValue(button?.text), details: withoutUndefined({ button_payload: stringValue(button?.payload) }) };
    }
    case 'reaction': {
      const reaction = asUnchecked<{ message_id: string; emoji: string }>(message.reaction);
      const emoji = stringValue(reaction?.emoji);
      return {
        body: emoji,
        mediaType: 'reaction',
        details: withoutUndefined({
          reacted_message_id: stringValue(reaction?.message_id),
          // No emoji means the user took the reaction back.
          reaction_removed: emoji === undefined ? true : undefined,
        }),
      };
    }
    default: {
      // unsupported, system, order, … : kept, described by their type, never dropped.
      const error = describeError(asUnchecked<WhatsAppError>(asArray(message.errors)[0]));
      const details = withoutUndefined({ error_code: error.code, error_message: error.message });
      return { mediaType: truncate(type, FIELD_LIMITS.code), details };
    }
  }
}

function profileNames(value: Unchecked<WhatsAppChangeValue>): Map<string, string> {
  const names = new Map<string, string>();
  for (const item of asArray(value.contacts)) {
    const contact = asUnchecked<WhatsAppContact>(item);
    const waId = stringValue(contact?.wa_id);
    const name = stringValue(asUnchecked<{ name: string }>(contact?.profile)?.name);
    if (waId !== undefined && name) names.set(waId, name);
  }
  return names;
}

function inboundEvent(item: unknown, names: Map<string, string>, call: CallContext): InboundMessageEvent | undefined {
  const message = asUnchecked<WhatsAppMessage>(item);
  const wamid = identifierValue(message?.id);
  const from = identifierValue(message?.from);
  if (!message || wamid === undefined || from === undefined) return undefined;
  const type = stringValue(message.type) || 'unknown';
  const content = describeMessage(type, message);
  const context = asUnchecked<WhatsAppMessageContext>(message.context);
  // `from` and `wa_id` may differ (Meta's note); a lone contact in the change is the sender.
  const name = names.get(from) ?? (names.size === 1 ? names.values().next().value : undefined);
  return withoutUndefined<InboundMessageEvent>({
    event_id: deterministicEventId(call.channel.id, 'whatsapp', 'message', wamid),
    channel_id: call.channel.id,
    account_id: call.channel.account_id,
    channel_type: 'whatsapp',
    provider_message_id: wamid,
    sender_address: from,
    sender_name: truncate(name, FIELD_LIMITS.identifier),
    message_body: content.body,
    timestamp: epochToIso(message.timestamp, 'seconds') ?? call.receivedAt,
    media_url: content.mediaUrl,
    media_type: content.mediaType,
    metadata: withoutUndefined({
      message_type: type,
      ...content.details,
      reply_to_message_id: stringValue(context?.id),
      forwarded: booleanValue(context?.forwarded),
      frequently_forwarded: booleanValue(context?.frequently_forwarded),
      ...call.numberDetails,
    }),
    received_at: call.receivedAt,
  });
}

function statusEvent(item: unknown, call: CallContext): StatusUpdateEvent | undefined {
  const status = asUnchecked<WhatsAppStatus>(item);
  const wamid = identifierValue(status?.id);
  const providerStatus = stringValue(status?.status);
  if (!status || wamid === undefined || !providerStatus) return undefined;
  const eventStatus = isLifecycleStatus(providerStatus) ? providerStatus : statusWord(providerStatus);
  const error = describeError(asUnchecked<WhatsAppError>(asArray(status.errors)[0]));
  const participant = stringValue(status.recipient_participant_id);
  const conversation = asUnchecked<NonNullable<WhatsAppStatus['conversation']>>(status.conversation);
  const pricing = asUnchecked<NonNullable<WhatsAppStatus['pricing']>>(status.pricing);
  return withoutUndefined<StatusUpdateEvent>({
    // One event per (message, status): delivered and read of the same wamid are two events.
    event_id: deterministicEventId(call.channel.id, 'whatsapp', 'status', wamid, eventStatus, participant ?? ''),
    channel_id: call.channel.id,
    account_id: call.channel.account_id,
    channel_type: 'whatsapp',
    provider_message_id: wamid,
    status: eventStatus,
    timestamp: epochToIso(status.timestamp, 'seconds') ?? call.receivedAt,
    error_code: error.code,
    error_message: error.message,
    metadata: withoutUndefined({
      provider_status: providerStatus,
      recipient_id: stringValue(status.recipient_id),
      recipient_type: stringValue(status.recipient_type),
      recipient_participant_id: participant,
      biz_opaque_callback_data: stringValue(status.biz_opaque_callback_data),
      conversation: conversation
        ? withoutUndefined({
            id: stringValue(conversation.id),
            origin_type: stringValue(asUnchecked<{ type: string }>(conversation.origin)?.type),
            expires_at: epochToIso(conversation.expiration_timestamp, 'seconds'),
          })
        : undefined,
      pricing: pricing
        ? withoutUndefined({
            billable: booleanValue(pricing.billable),
            pricing_model: stringValue(pricing.pricing_model),
            type: stringValue(pricing.type),
            category: stringValue(pricing.category),
          })
        : undefined,
      ...call.numberDetails,
    }),
    received_at: call.receivedAt,
  });
}

/** Every entry, change, message and status (Meta batches up to 1000); what is left out: docs/PROVIDERS.md, "WhatsApp Cloud API". */
export function parseWhatsAppNotification(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const decoded = decodeJsonBody(request.rawBody);
  if (!decoded.ok) return decoded;
  const notification = asUnchecked<WhatsAppNotification>(decoded.value);
  if (!notification) return { ok: false, error: { kind: 'invalid_payload', detail: 'notification is not a JSON object' } };
  const object = notification.object;
  if (object !== undefined && object !== 'whatsapp_business_account') {
    return {
      ok: false,
      error: { kind: 'unsupported_payload', detail: `object is ${String(object).slice(0, 64)}, not whatsapp_business_account` },
    };
  }
  if (!Array.isArray(notification.entry)) return { ok: false, error: { kind: 'invalid_payload', detail: 'entry is not an array' } };

  const inbound: InboundMessageEvent[] = [];
  const statuses: StatusUpdateEvent[] = [];
  const skipped: SkippedTally = {};
  const receivedAtIso = receivedAt.toISOString();
  const channelNumber = channel.credentials?.['phone_number_id'];
  for (const entryItem of notification.entry) {
    const entry = asUnchecked<WhatsAppEntry>(entryItem);
    for (const changeItem of asArray(entry?.changes)) {
      const change = asUnchecked<WhatsAppChange>(changeItem);
      const value = asUnchecked<WhatsAppChangeValue>(change?.value);
      if (change?.field !== 'messages' || !value) continue;
      const numberMetadata = asUnchecked<WhatsAppChangeValue['metadata']>(value.metadata);
      if (typeof channelNumber === 'string' && identifierValue(numberMetadata?.phone_number_id) !== channelNumber) {
        countSkipped(skipped, 'other_phone_number');
        continue;
      }
      const call: CallContext = {
        channel,
        receivedAt: receivedAtIso,
        numberDetails: withoutUndefined({
          waba_id: stringValue(entry?.id),
          phone_number_id: stringValue(numberMetadata?.phone_number_id),
          display_phone_number: stringValue(numberMetadata?.display_phone_number),
        }),
      };
      const messages = asArray(value.messages);
      const names = messages.length > 0 ? profileNames(value) : new Map<string, string>();
      for (const message of messages) {
        const event = inboundEvent(message, names, call);
        if (event) inbound.push(event);
        else countSkipped(skipped, 'unreadable_item');
      }
      for (const status of asArray(value.statuses)) {
        const event = statusEvent(status, call);
        if (event) statuses.push(event);
        else countSkipped(skipped, 'unreadable_item');
      }
    }
  }
  return { ok: true, events: eventsWithSkipped({ inbound, statuses }, skipped) };
}
