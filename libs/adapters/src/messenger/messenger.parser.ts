import { FIELD_LIMITS, type InboundMessageEvent, type StatusUpdateEvent } from '@inbound/contracts';
import type { ChannelContext, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { countSkipped, eventsWithSkipped, type SkippedTally } from '../shared/skipped-items';
import { deterministicEventId } from '../shared/event-id';
import {
  asArray,
  asUnchecked,
  decodeJsonBody,
  epochToIso,
  identifierValue,
  numberValue,
  stringValue,
  type Unchecked,
  withoutUndefined,
} from '../shared/payload-value';
import type {
  MessengerAttachment,
  MessengerDelivery,
  MessengerEntry,
  MessengerEvent,
  MessengerMessage,
  MessengerNotification,
  MessengerParty,
  MessengerPostback,
  MessengerRead,
} from './messenger.types';

interface ItemContext {
  channel: ChannelContext;
  receivedAt: string;
  /** The user's page-scoped id. */
  psid: string;
  timestamp: string;
  /** The raw event time, for ids derived from it. */
  timeKey: string | undefined;
  pageDetails: Record<string, unknown>;
}

function attachmentSummary(value: unknown): Record<string, unknown> | undefined {
  const attachment = asUnchecked<MessengerAttachment>(value);
  const type = stringValue(attachment?.type);
  if (!attachment || type === undefined) return undefined;
  const payload = asUnchecked<NonNullable<MessengerAttachment['payload']>>(attachment.payload);
  return withoutUndefined({
    type,
    url: stringValue(payload?.url),
    sticker_id: numberValue(payload?.sticker_id),
    title: stringValue(payload?.title),
  });
}

function messageEvent(message: Unchecked<MessengerMessage>, item: ItemContext): InboundMessageEvent | undefined {
  const mid = identifierValue(message.mid);
  if (mid === undefined) return undefined;
  const attachments = asArray(message.attachments)
    .map(attachmentSummary)
    .filter((attachment) => attachment !== undefined);
  const first = attachments[0];
  const firstUrl = stringValue(first?.['url']);
  const firstType = stringValue(first?.['type']);
  return withoutUndefined<InboundMessageEvent>({
    event_id: deterministicEventId(item.channel.id, 'messenger', 'message', mid),
    channel_id: item.channel.id,
    account_id: item.channel.account_id,
    channel_type: 'messenger',
    provider_message_id: mid,
    sender_address: item.psid,
    message_body: stringValue(message.text),
    timestamp: item.timestamp,
    media_url: firstUrl !== undefined && firstUrl.length <= FIELD_LIMITS.longText ? firstUrl : undefined,
    media_type: firstType !== undefined && firstType.length <= FIELD_LIMITS.code ? firstType : undefined,
    metadata: withoutUndefined({
      quick_reply_payload: stringValue(asUnchecked<{ payload: string }>(message.quick_reply)?.payload),
      reply_to_message_id: stringValue(asUnchecked<{ mid: string }>(message.reply_to)?.mid),
      attachments: attachments.length > 0 ? attachments : undefined,
      ...item.pageDetails,
    }),
    received_at: item.receivedAt,
  });
}

/** A tapped postback button (Get Started, persistent menu, …) is something the user said. */
function postbackEvent(postback: Unchecked<MessengerPostback>, item: ItemContext): InboundMessageEvent | undefined {
  // Older postbacks carry no mid; the user and the time identify them just as stably.
  const providerMessageId =
    identifierValue(postback.mid) ?? (item.timeKey !== undefined ? `postback:${item.psid}:${item.timeKey}` : undefined);
  if (providerMessageId === undefined) return undefined;
  return withoutUndefined<InboundMessageEvent>({
    event_id: deterministicEventId(item.channel.id, 'messenger', 'postback', providerMessageId),
    channel_id: item.channel.id,
    account_id: item.channel.account_id,
    channel_type: 'messenger',
    provider_message_id: providerMessageId,
    sender_address: item.psid,
    message_body: stringValue(postback.title),
    timestamp: item.timestamp,
    metadata: withoutUndefined({ postback_payload: stringValue(postback.payload), ...item.pageDetails }),
    received_at: item.receivedAt,
  });
}

/** `mids` name the delivered messages when present; otherwise the watermark covers everything before it. */
function deliveryEvents(delivery: Unchecked<MessengerDelivery>, item: ItemContext): StatusUpdateEvent[] {
  const mids = asArray(delivery.mids)
    .map((mid) => identifierValue(mid))
    .filter((mid): mid is string => mid !== undefined);
  const common = {
    channel_id: item.channel.id,
    account_id: item.channel.account_id,
    channel_type: 'messenger' as const,
    status: 'delivered',
    timestamp: item.timestamp,
    received_at: item.receivedAt,
  };
  if (mids.length > 0) {
    return mids.map((mid) => ({
      ...common,
      event_id: deterministicEventId(item.channel.id, 'messenger', 'delivery', mid),
      provider_message_id: mid,
      metadata: { ...item.pageDetails },
    }));
  }
  const watermark = epochToIso(delivery.watermark, 'milliseconds');
  if (watermark === undefined) return [];
  return [
    {
      ...common,
      event_id: deterministicEventId(item.channel.id, 'messenger', 'delivery_watermark', item.psid, watermark),
      metadata: { ...item.pageDetails },
      recipient_address: item.psid,
      watermark,
    },
  ];
}

function readEvent(read: Unchecked<MessengerRead>, item: ItemContext): StatusUpdateEvent | undefined {
  const watermark = epochToIso(read.watermark, 'milliseconds');
  if (watermark === undefined) return undefined;
  return {
    event_id: deterministicEventId(item.channel.id, 'messenger', 'read_watermark', item.psid, watermark),
    channel_id: item.channel.id,
    account_id: item.channel.account_id,
    channel_type: 'messenger',
    status: 'read',
    timestamp: item.timestamp,
    metadata: { ...item.pageDetails },
    received_at: item.receivedAt,
    recipient_address: item.psid,
    watermark,
  };
}

/** What becomes an event: docs/PROVIDERS.md, "Messenger". One Meta app can serve several channels, hence the `page_id` check. */
export function parseMessengerNotification(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const decoded = decodeJsonBody(request.rawBody);
  if (!decoded.ok) return decoded;
  const notification = asUnchecked<MessengerNotification>(decoded.value);
  if (!notification) return { ok: false, error: { kind: 'invalid_payload', detail: 'notification is not a JSON object' } };
  const object = notification.object;
  if (object !== undefined && object !== 'page') {
    return { ok: false, error: { kind: 'unsupported_payload', detail: `object is ${String(object).slice(0, 64)}, not page` } };
  }
  if (!Array.isArray(notification.entry)) return { ok: false, error: { kind: 'invalid_payload', detail: 'entry is not an array' } };

  const inbound: InboundMessageEvent[] = [];
  const statuses: StatusUpdateEvent[] = [];
  const skipped: SkippedTally = {};
  const receivedAtIso = receivedAt.toISOString();
  const channelPage = channel.credentials?.['page_id'];
  for (const entryItem of notification.entry) {
    const entry = asUnchecked<MessengerEntry>(entryItem);
    if (!entry) {
      countSkipped(skipped, 'unreadable_item');
      continue;
    }
    const pageId = identifierValue(entry.id);
    if (typeof channelPage === 'string' && pageId !== channelPage) {
      countSkipped(skipped, 'other_page');
      continue;
    }
    const pageDetails = withoutUndefined({ page_id: pageId });
    for (const eventItem of asArray(entry.messaging)) {
      const event = asUnchecked<MessengerEvent>(eventItem);
      const psid = identifierValue(asUnchecked<MessengerParty>(event?.sender)?.id);
      if (!event || psid === undefined) {
        countSkipped(skipped, 'unreadable_item');
        continue;
      }
      // Delivery events come without their own timestamp; the entry's time is the next best.
      const timeKey = identifierValue(event.timestamp, 32) ?? identifierValue(entry.time, 32);
      const item: ItemContext = {
        channel,
        receivedAt: receivedAtIso,
        psid,
        timestamp: epochToIso(event.timestamp, 'milliseconds') ?? epochToIso(entry.time, 'milliseconds') ?? receivedAtIso,
        timeKey,
        pageDetails,
      };
      const message = asUnchecked<MessengerMessage>(event.message);
      const postback = asUnchecked<MessengerPostback>(event.postback);
      const delivery = asUnchecked<MessengerDelivery>(event.delivery);
      const read = asUnchecked<MessengerRead>(event.read);
      if (message) {
        // Echoes are the page's own outgoing messages, not something a user wrote.
        const inboundMessage = message.is_echo === true ? undefined : messageEvent(message, item);
        if (inboundMessage) inbound.push(inboundMessage);
      } else if (postback) {
        const inboundPostback = postbackEvent(postback, item);
        if (inboundPostback) inbound.push(inboundPostback);
      } else if (delivery) {
        statuses.push(...deliveryEvents(delivery, item));
      } else if (read) {
        const readUpdate = readEvent(read, item);
        if (readUpdate) statuses.push(readUpdate);
      }
    }
  }
  return { ok: true, events: eventsWithSkipped({ inbound, statuses }, skipped) };
}
