/** Only what the adapter reads. https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components */

export interface WhatsAppNotification {
  /** `whatsapp_business_account`. */
  object: string;
  entry: WhatsAppEntry[];
}

export interface WhatsAppEntry {
  /** The WhatsApp Business Account id. */
  id: string;
  changes: WhatsAppChange[];
}

export interface WhatsAppChange {
  /** `messages` for messages and statuses; other subscribed fields carry nothing we store. */
  field: string;
  value: WhatsAppChangeValue;
}

export interface WhatsAppChangeValue {
  messaging_product: string;
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts?: WhatsAppContact[];
  messages?: WhatsAppMessage[];
  statuses?: WhatsAppStatus[];
  errors?: WhatsAppError[];
}

export interface WhatsAppContact {
  profile: { name: string };
  wa_id: string;
}

export interface WhatsAppError {
  code: number;
  title: string;
  message?: string;
  error_data?: { details: string };
  href?: string;
}

export interface WhatsAppMedia {
  id: string;
  mime_type: string;
  sha256?: string;
  url?: string;
  caption?: string;
  /** document only */
  filename?: string;
  /** audio only: true for a voice note */
  voice?: boolean;
  /** sticker only */
  animated?: boolean;
}

export interface WhatsAppLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
  url?: string;
}

export interface WhatsAppSharedContact {
  name: { formatted_name: string; first_name?: string; last_name?: string };
  org?: { company?: string };
  phones?: Array<{ phone: string; wa_id?: string; type?: string }>;
}

export interface WhatsAppReply {
  id: string;
  title: string;
  description?: string;
}

export interface WhatsAppInteractive {
  /** `button_reply`, `list_reply`, or newer kinds such as `nfm_reply`. */
  type: string;
  button_reply?: WhatsAppReply;
  list_reply?: WhatsAppReply;
}

export interface WhatsAppMessageContext {
  from: string;
  /** The wamid of the message this one answers. */
  id: string;
  forwarded?: boolean;
  frequently_forwarded?: boolean;
}

export interface WhatsAppMessage {
  from: string;
  /** `wamid.…` */
  id: string;
  /** Unix seconds, as a string. */
  timestamp: string;
  type: string;
  context?: WhatsAppMessageContext;
  text?: { body: string };
  image?: WhatsAppMedia;
  audio?: WhatsAppMedia;
  video?: WhatsAppMedia;
  document?: WhatsAppMedia;
  sticker?: WhatsAppMedia;
  location?: WhatsAppLocation;
  contacts?: WhatsAppSharedContact[];
  interactive?: WhatsAppInteractive;
  /** Quick-reply button of a template. */
  button?: { payload: string; text: string };
  /** `emoji` is absent when the user removed the reaction. */
  reaction?: { message_id: string; emoji?: string };
  /** Set on `unsupported` messages. */
  errors?: WhatsAppError[];
}

export interface WhatsAppStatus {
  /** The wamid of our outgoing message. */
  id: string;
  /** `sent`, `delivered`, `read`, `failed`, `played`. */
  status: string;
  /** Unix seconds, as a string. */
  timestamp: string;
  recipient_id: string;
  recipient_type?: string;
  recipient_participant_id?: string;
  biz_opaque_callback_data?: string;
  conversation?: { id: string; expiration_timestamp?: string; origin: { type: string } };
  pricing?: { billable?: boolean; pricing_model: string; type?: string; category: string };
  errors?: WhatsAppError[];
}

/** Message types whose sub-object is a media file. */
export const WHATSAPP_MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'] as const;
