import { isJsonObject, type JsonObject, parseJsonBody } from '../shared/json-reader';
import type { SnsEnvelope } from './ses.types';

const ENVELOPE_FIELDS = [
  'MessageId',
  'TopicArn',
  'Subject',
  'Message',
  'Timestamp',
  'SignatureVersion',
  'Signature',
  'SigningCertURL',
  'UnsubscribeURL',
  'SubscribeURL',
  'Token',
] as const;

/** In the order SNS signs them. https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html */
const SIGNED_FIELDS: Readonly<Record<string, readonly (keyof SnsEnvelope)[]>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  // AWS signs Token for both confirmation types (sns-validator 0.3.5 omits it for Unsubscribe).
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The SNS envelope of a raw body, or undefined when the body is not a JSON object with a `Type`. */
export function readSnsEnvelope(rawBody: Buffer): SnsEnvelope | undefined {
  const body = parseJsonBody(rawBody);
  if (!body.ok || !isJsonObject(body.value)) return undefined;
  const type = stringOrUndefined(body.value, 'Type');
  if (type === undefined) return undefined;
  const envelope: SnsEnvelope = { Type: type };
  for (const field of ENVELOPE_FIELDS) {
    const value = stringOrUndefined(body.value, field);
    if (value !== undefined) envelope[field] = value;
  }
  return envelope;
}

/** `Name\nValue\n` per signed field; undefined for an unknown type or a missing required field (only Subject is optional). */
export function snsStringToSign(envelope: SnsEnvelope): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(SIGNED_FIELDS, envelope.Type)) return undefined;
  let text = '';
  for (const field of SIGNED_FIELDS[envelope.Type]) {
    const value = envelope[field];
    if (value === undefined) {
      if (field === 'Subject') continue;
      return undefined;
    }
    text += `${field}\n${value}\n`;
  }
  return text;
}

/** Signed values are kept even when empty: they are signed as they are. */
function stringOrUndefined(object: JsonObject, key: string): string | undefined {
  const value = Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}
