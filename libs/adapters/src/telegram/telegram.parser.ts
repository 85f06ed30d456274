import { FIELD_LIMITS, type InboundMessageEvent } from '@inbound/contracts';
import type { ChannelContext, ParseResult, WebhookRequest } from '../shared/adapter.types';
import { deterministicEventId } from '../shared/event-id';
import {
  asArray,
  asUnchecked,
  decodeJsonBody,
  epochToIso,
  identifierValue,
  numberValue,
  stringValue,
  truncate,
  type Unchecked,
  withoutUndefined,
} from '../shared/payload-value';
import {
  TELEGRAM_MESSAGE_UPDATE_TYPES,
  type TelegramChat,
  type TelegramContact,
  type TelegramDocument,
  type TelegramLocation,
  type TelegramMessage,
  type TelegramPhotoSize,
  type TelegramSticker,
  type TelegramUpdate,
  type TelegramUser,
  type TelegramVenue,
} from './telegram.types';

/** What a message carries besides its text: the event's media_type and metadata about it. */
interface TelegramContent {
  mediaType?: string;
  details: Record<string, unknown>;
}

type FileFields = Unchecked<TelegramDocument & { duration: number; emoji: string }>;

/** The Bot API needs the bot token to download a file (getFile), so we keep the file id, not a URL. */
function fileDetails(file: FileFields): Record<string, unknown> {
  return withoutUndefined({
    file_id: stringValue(file.file_id),
    file_unique_id: stringValue(file.file_unique_id),
    file_name: stringValue(file.file_name),
    mime_type: stringValue(file.mime_type),
    file_size: numberValue(file.file_size),
    duration: numberValue(file.duration),
    emoji: stringValue(file.emoji),
  });
}

/** Sizes come smallest first, but we pick by area rather than trust the order. */
function largestPhoto(sizes: readonly unknown[]): Unchecked<TelegramPhotoSize> | undefined {
  let largest: Unchecked<TelegramPhotoSize> | undefined;
  let largestArea = -1;
  for (const candidate of sizes) {
    const size = asUnchecked<TelegramPhotoSize>(candidate);
    if (!size || stringValue(size.file_id) === undefined) continue;
    const area = (numberValue(size.width) ?? 0) * (numberValue(size.height) ?? 0);
    if (area >= largestArea) {
      largest = size;
      largestArea = area;
    }
  }
  return largest;
}

function locationDetails(location: Unchecked<TelegramLocation>): Record<string, unknown> {
  return withoutUndefined({ latitude: numberValue(location.latitude), longitude: numberValue(location.longitude) });
}

const FILE_KINDS = ['animation', 'document', 'video', 'video_note', 'voice', 'audio'] as const;

function describeContent(message: Unchecked<TelegramMessage>): TelegramContent {
  const photo = largestPhoto(asArray(message.photo));
  if (photo) {
    const size = withoutUndefined({ width: numberValue(photo.width), height: numberValue(photo.height) });
    return { mediaType: 'photo', details: { ...fileDetails(photo), ...size } };
  }
  // `animation` comes before `document`, which Telegram also sets on animations.
  for (const kind of FILE_KINDS) {
    const file = asUnchecked<TelegramDocument>(message[kind]);
    if (file) return { mediaType: kind, details: fileDetails(file) };
  }
  const sticker = asUnchecked<TelegramSticker>(message.sticker);
  if (sticker) return { mediaType: 'sticker', details: fileDetails(sticker) };
  const venue = asUnchecked<TelegramVenue>(message.venue);
  const location = asUnchecked<TelegramLocation>(message.location ?? venue?.location);
  if (location) {
    const place = venue ? withoutUndefined({ title: stringValue(venue.title), address: stringValue(venue.address) }) : {};
    return { mediaType: 'location', details: { location: { ...locationDetails(location), ...place } } };
  }
  const contact = asUnchecked<TelegramContact>(message.contact);
  if (contact) {
    const contactDetails = withoutUndefined({
      phone_number: stringValue(contact.phone_number),
      first_name: stringValue(contact.first_name),
      last_name: stringValue(contact.last_name),
      user_id: numberValue(contact.user_id),
    });
    return { mediaType: 'contact', details: { contact: contactDetails } };
  }
  return { details: {} };
}

function personName(user: Unchecked<TelegramUser> | undefined): string | undefined {
  if (!user) return undefined;
  const fullName = [stringValue(user.first_name), stringValue(user.last_name)].filter((part) => part).join(' ');
  return fullName || stringValue(user.username) || undefined;
}

function senderName(message: Unchecked<TelegramMessage>, chat: Unchecked<TelegramChat>): string | undefined {
  const fromName = personName(asUnchecked<TelegramUser>(message.from));
  if (fromName) return fromName;
  // Channel posts have no `from`: the channel speaks.
  const senderChat = asUnchecked<TelegramChat>(message.sender_chat);
  return stringValue(senderChat?.title) || stringValue(chat.title) || undefined;
}

function invalidPayload(detail: string): ParseResult {
  return { ok: false, error: { kind: 'invalid_payload', detail } };
}

/** Updates without a message (callback_query, poll, …) are accepted with no event. */
export function parseTelegramUpdate(request: WebhookRequest, channel: ChannelContext, receivedAt: Date): ParseResult {
  const decoded = decodeJsonBody(request.rawBody);
  if (!decoded.ok) return decoded;
  const update = asUnchecked<TelegramUpdate>(decoded.value);
  if (!update) return invalidPayload('update is not a JSON object');

  const updateType = TELEGRAM_MESSAGE_UPDATE_TYPES.find((type) => update[type] !== undefined);
  if (!updateType) return { ok: true, events: { inbound: [], statuses: [] } };
  const message = asUnchecked<TelegramMessage>(update[updateType]);
  if (!message) return invalidPayload(`${updateType} is not an object`);
  const chat = asUnchecked<TelegramChat>(message.chat);
  const chatId = identifierValue(chat?.id, 64);
  const messageId = identifierValue(message.message_id, 64);
  if (!chat || chatId === undefined || messageId === undefined) {
    return invalidPayload(`${updateType} has no chat.id or message_id`);
  }

  const receivedAtIso = receivedAt.toISOString();
  const updateId = identifierValue(update.update_id, 64) ?? '';
  const editDate = epochToIso(message.edit_date, 'seconds');
  const edited = updateType === 'edited_message' || updateType === 'edited_channel_post';
  const from = asUnchecked<TelegramUser>(message.from);
  const replyTo = asUnchecked<TelegramMessage>(message.reply_to_message);
  const content = describeContent(message);

  const event: InboundMessageEvent = withoutUndefined({
    // update_id identifies the delivery; edits also differ by edit_date.
    event_id: deterministicEventId(channel.id, 'telegram', updateId, updateType, chatId, messageId, editDate ?? ''),
    channel_id: channel.id,
    account_id: channel.account_id,
    channel_type: 'telegram',
    // Telegram message ids are per chat (docs/CONTRACTS.md, "Provider message ids").
    provider_message_id: `${chatId}:${messageId}`,
    // The chat id, not from.id: where a reply goes (the group or channel, in one).
    sender_address: chatId,
    sender_name: truncate(senderName(message, chat), FIELD_LIMITS.identifier),
    message_body: stringValue(message.text) ?? stringValue(message.caption),
    // When the message was sent; an edit's own time is metadata.edit_date.
    timestamp: epochToIso(message.date, 'seconds') ?? receivedAtIso,
    media_type: content.mediaType,
    metadata: withoutUndefined({
      update_id: numberValue(update.update_id),
      update_type: updateType,
      chat_type: stringValue(chat.type),
      chat_title: stringValue(chat.title),
      from_id: identifierValue(from?.id, 64),
      username: stringValue(from?.username),
      reply_to_message_id: identifierValue(replyTo?.message_id, 64),
      // Downstream keeps the first version of an edited message (unique provider_message_id).
      edited: edited ? true : undefined,
      edit_date: editDate,
      ...content.details,
    }),
    received_at: receivedAtIso,
  });
  return { ok: true, events: { inbound: [event], statuses: [] } };
}
