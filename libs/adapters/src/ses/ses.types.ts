/**
 * An SNS envelope (text/plain JSON) whose `Message` is the SES event as a JSON string.
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/** The envelope fields; every value is a string as SNS sends it (signed fields verbatim). */
export interface SnsEnvelope {
  Type: string;
  MessageId?: string;
  TopicArn?: string;
  /** Notification only, and only when the publisher set one. */
  Subject?: string;
  Message?: string;
  Timestamp?: string;
  /** `1` = SHA1withRSA, `2` = SHA256withRSA. */
  SignatureVersion?: string;
  /** Base64. */
  Signature?: string;
  SigningCertURL?: string;
  UnsubscribeURL?: string;
  /** SubscriptionConfirmation and UnsubscribeConfirmation. */
  SubscribeURL?: string;
  Token?: string;
}

/** `eventType` of configuration-set publishing, or `notificationType` of identity notifications. */
export type SesEventType =
  'Send' | 'Delivery' | 'Bounce' | 'Complaint' | 'Reject' | 'Open' | 'Click' | 'Rendering Failure' | 'DeliveryDelay' | 'Subscription';

export interface SesMail {
  /** The id SendEmail returned: our provider_message_id (not the Message-ID header). */
  messageId?: string;
  timestamp?: string;
  source?: string;
  destination: string[];
}

export interface SesRecipientDiagnostic {
  emailAddress?: string;
  /** Enhanced status code, e.g. `5.1.1`. */
  status?: string;
  diagnosticCode?: string;
}

export interface SesBounce {
  /** `Permanent`, `Transient` or `Undetermined`. */
  bounceType?: string;
  bounceSubType?: string;
  bouncedRecipients: SesRecipientDiagnostic[];
  timestamp?: string;
  feedbackId?: string;
}

export interface SesComplaint {
  complainedRecipients: SesRecipientDiagnostic[];
  timestamp?: string;
  feedbackId?: string;
  complaintFeedbackType?: string;
}

export interface SesDelivery {
  timestamp?: string;
  recipients: string[];
  smtpResponse?: string;
}

export interface SesDeliveryDelay {
  delayType?: string;
  delayedRecipients: SesRecipientDiagnostic[];
  timestamp?: string;
}

export interface SesEvent {
  /** `eventType`, or `notificationType` for identity notifications. */
  kind: string;
  mail: SesMail;
  bounce?: SesBounce;
  complaint?: SesComplaint;
  delivery?: SesDelivery;
  deliveryDelay?: SesDeliveryDelay;
  open?: { timestamp?: string };
  click?: { timestamp?: string; link?: string };
  reject?: { reason?: string };
  failure?: { errorMessage?: string; templateName?: string };
}
