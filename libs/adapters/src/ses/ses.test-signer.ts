import { createSign, type KeyObject } from 'node:crypto';

// Written out from AWS's documentation, apart from ses.envelope.ts, so that a mistake there is not
// repeated here. https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const CONFIRMATION_FIELDS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];

/** An SNS message as posted: every field a string. */
export type SnsMessage = Record<string, string>;

/**
 * SNS's side of the check in ses.signature.ts (test traffic only): RSA over `Name\nValue\n` of each
 * signed field the message has, with SHA-256 for SignatureVersion 2 (the default) or SHA-1 for 1,
 * base64. Returns the message with SignatureVersion and Signature set; SigningCertURL must name the
 * key's certificate (for local traffic, SNS_DEV_CERTIFICATE_URL).
 */
export function signSnsMessage(message: SnsMessage, privateKey: string | KeyObject, options: { version?: '1' | '2' } = {}): SnsMessage {
  const version = options.version ?? '2';
  const fields = message.Type === 'Notification' ? NOTIFICATION_FIELDS : CONFIRMATION_FIELDS;
  const text = fields
    .filter((field) => field in message)
    .map((field) => `${field}\n${message[field]}\n`)
    .join('');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(text, 'utf8')
    .sign(privateKey, 'base64');
  return { ...message, SignatureVersion: version, Signature: signature };
}
