import { createHmac } from 'node:crypto';

/** A bridge's side of the check (test traffic only): hex HMAC-SHA256 of the raw body with the channel's `webhook_secret`. */
export function signBridgeCall(webhookSecret: string, body: string | Buffer): Record<string, string> {
  return { 'x-webhook-signature': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}` };
}
