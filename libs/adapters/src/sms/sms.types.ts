/** Form-encoded, every value a string; Twilio adds parameters without notice. https://www.twilio.com/docs/messaging/guides/webhook-request */

export interface TwilioInboundMessageParams {
  /** 34 characters, `SM…` (SMS) or `MM…` (MMS). */
  MessageSid: string;
  /** Deprecated copies of MessageSid. */
  SmsSid?: string;
  SmsMessageSid?: string;
  AccountSid: string;
  MessagingServiceSid?: string;
  From: string;
  To: string;
  Body?: string;
  NumMedia?: string;
  NumSegments?: string;
  /** Not in the current docs, but sent: `received`. */
  SmsStatus?: string;
  ApiVersion?: string;
  FromCity?: string;
  FromState?: string;
  FromZip?: string;
  FromCountry?: string;
  ToCity?: string;
  ToState?: string;
  ToZip?: string;
  ToCountry?: string;
  /** WhatsApp through Twilio. */
  ProfileName?: string;
  WaId?: string;
  ButtonPayload?: string;
  ButtonText?: string;
  Latitude?: string;
  Longitude?: string;
  Address?: string;
  Label?: string;
  OriginalRepliedMessageSid?: string;
  /** Zero-based, N < NumMedia. */
  [media: `MediaUrl${number}`]: string | undefined;
  [mediaType: `MediaContentType${number}`]: string | undefined;
}

export interface TwilioStatusCallbackParams {
  MessageSid: string;
  SmsSid?: string;
  AccountSid: string;
  MessagingServiceSid?: string;
  From: string;
  To: string;
  /** queued, sending, sent, failed, delivered, undelivered, read, accepted, scheduled, canceled, … */
  MessageStatus: string;
  SmsStatus?: string;
  /** Set when failed or undelivered. */
  ErrorCode?: string;
  /** Not documented for status callbacks; read when present. */
  ErrorMessage?: string;
  ApiVersion?: string;
  /** SMS/MMS delivery receipts: YYMMDDhhmm. */
  RawDlrDoneDate?: string;
  /** WhatsApp and RCS. */
  ChannelStatusMessage?: string;
  EventType?: string;
}

export type TwilioParamName = Extract<keyof TwilioInboundMessageParams | keyof TwilioStatusCallbackParams, string>;
