import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/** A P-256 key pair as SendGrid holds it: the channel stores `verificationKey` (base64 DER SubjectPublicKeyInfo). */
export interface SendGridTestKeys {
  verificationKey: string;
  /** PKCS#8 PEM, so the pair can be kept between runs. */
  privateKeyPem: string;
}

export function createSendGridTestKeys(): SendGridTestKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    verificationKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * SendGrid's side of the check in sendgrid.signature.ts (test traffic only): ECDSA P-256 / SHA-256
 * over the timestamp header's text followed by the raw body, DER-encoded, base64.
 */
export function signSendGridCall(
  privateKey: string | KeyObject,
  body: string | Buffer,
  options: { timestamp?: number } = {},
): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), privateKey);
  return {
    'x-twilio-email-event-webhook-signature': signature.toString('base64'),
    'x-twilio-email-event-webhook-timestamp': timestamp,
  };
}
