import { createHmac, randomBytes } from 'node:crypto';

/** The `signature` object Mailgun puts in the body. */
export interface MailgunSignatureBlock {
  token: string;
  timestamp: string;
  signature: string;
}

/**
 * Mailgun's side of the check in mailgun.signature.ts (test traffic only): a fresh token (each is
 * accepted once) and lower-case hex HMAC-SHA256 over timestamp + token, keyed with the signing key.
 */
export function mailgunSignatureBlock(signingKey: string, options: { timestamp?: number; token?: string } = {}): MailgunSignatureBlock {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const token = options.token ?? randomBytes(25).toString('hex');
  return {
    token,
    timestamp,
    signature: createHmac('sha256', signingKey)
      .update(timestamp + token)
      .digest('hex'),
  };
}
