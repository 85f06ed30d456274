/** Only what the adapter reads; times are Unix ms. https://developers.facebook.com/docs/messenger-platform/reference/webhook-events */

export interface MessengerNotification {
  /** `page`. */
  object: string;
  entry: MessengerEntry[];
}

export interface MessengerEntry {
  /** The page id. */
  id: string;
  time: number;
  messaging?: MessengerEvent[];
  /** Events for another app while it holds the conversation (handover protocol). */
  standby?: MessengerEvent[];
}

export interface MessengerParty {
  /** A PSID for a user, the page id for the page. */
  id: string;
}

export interface MessengerAttachment {
  /** `image`, `audio`, `video`, `file`, `sticker`, `fallback`, `reel`, … */
  type: string;
  payload?: { url?: string; sticker_id?: number; title?: string };
}

export interface MessengerMessage {
  mid: string;
  text?: string;
  /** Only when the user tapped a quick reply. */
  quick_reply?: { payload: string };
  reply_to?: { mid: string; is_self_reply?: boolean };
  attachments?: MessengerAttachment[];
  /** A message the page itself sent, echoed back. */
  is_echo?: boolean;
  app_id?: number;
  metadata?: string;
}

export interface MessengerPostback {
  title: string;
  payload: string;
  mid?: string;
}

export interface MessengerDelivery {
  /** Sometimes present: the messages delivered. */
  mids?: string[];
  /** Always present: everything sent before it was delivered. */
  watermark: number;
}

export interface MessengerRead {
  /** Everything sent before or at it was read. */
  watermark: number;
}

export interface MessengerEvent {
  sender: MessengerParty;
  recipient: MessengerParty;
  /** Absent on delivery events in Meta's examples. */
  timestamp?: number;
  message?: MessengerMessage;
  postback?: MessengerPostback;
  delivery?: MessengerDelivery;
  read?: MessengerRead;
}
