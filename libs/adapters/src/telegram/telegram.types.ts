/** https://core.telegram.org/bots/api : only the fields the adapter reads. */

export interface TelegramUser {
  /** Up to 52 significant bits: a safe JSON number. */
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface TelegramChat {
  id: number;
  /** `private`, `group`, `supergroup` or `channel`. */
  type: string;
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
}

export interface TelegramMessageEntity {
  offset: number;
  length: number;
  type: string;
}

export interface TelegramFile {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
}

export interface TelegramPhotoSize extends TelegramFile {
  width: number;
  height: number;
}

export interface TelegramDocument extends TelegramFile {
  file_name?: string;
  mime_type?: string;
}

export interface TelegramVoice extends TelegramFile {
  duration: number;
  mime_type?: string;
}

export interface TelegramAudio extends TelegramFile {
  duration: number;
  performer?: string;
  title?: string;
  file_name?: string;
  mime_type?: string;
}

export interface TelegramVideo extends TelegramFile {
  width: number;
  height: number;
  duration: number;
  file_name?: string;
  mime_type?: string;
}

export interface TelegramVideoNote extends TelegramFile {
  length: number;
  duration: number;
}

export interface TelegramSticker extends TelegramFile {
  type: string;
  width: number;
  height: number;
  is_animated: boolean;
  is_video: boolean;
  emoji?: string;
  set_name?: string;
}

export interface TelegramLocation {
  latitude: number;
  longitude: number;
  horizontal_accuracy?: number;
  live_period?: number;
}

export interface TelegramVenue {
  location: TelegramLocation;
  title: string;
  address: string;
}

export interface TelegramContact {
  phone_number: string;
  first_name: string;
  last_name?: string;
  user_id?: number;
  vcard?: string;
}

export interface TelegramInlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
}

export interface TelegramMessage {
  message_id: number;
  from?: TelegramUser;
  /** Set instead of `from` for channel posts and anonymous group admins. */
  sender_chat?: TelegramChat;
  date: number;
  chat: TelegramChat;
  edit_date?: number;
  reply_to_message?: TelegramMessage;
  text?: string;
  entities?: TelegramMessageEntity[];
  caption?: string;
  caption_entities?: TelegramMessageEntity[];
  /** The same picture in several sizes, smallest first. */
  photo?: TelegramPhotoSize[];
  /** Animations also set `document` for backward compatibility. */
  animation?: TelegramDocument;
  document?: TelegramDocument;
  video?: TelegramVideo;
  video_note?: TelegramVideoNote;
  voice?: TelegramVoice;
  audio?: TelegramAudio;
  sticker?: TelegramSticker;
  /** Venue messages set `location` too. */
  venue?: TelegramVenue;
  location?: TelegramLocation;
  contact?: TelegramContact;
  reply_markup?: { inline_keyboard: TelegramInlineKeyboardButton[][] };
}

export interface TelegramCallbackQuery {
  id: string;
  from: TelegramUser;
  message?: TelegramMessage;
  chat_instance: string;
  data?: string;
}

/** At most one of the optional fields is present in an update. */
export interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
  edited_message?: TelegramMessage;
  channel_post?: TelegramMessage;
  edited_channel_post?: TelegramMessage;
  callback_query?: TelegramCallbackQuery;
}

export const TELEGRAM_MESSAGE_UPDATE_TYPES = ['message', 'edited_message', 'channel_post', 'edited_channel_post'] as const;
export type TelegramMessageUpdateType = (typeof TELEGRAM_MESSAGE_UPDATE_TYPES)[number];
