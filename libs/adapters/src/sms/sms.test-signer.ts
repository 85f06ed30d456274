import { createHmac } from 'node:crypto';

/**
 * Twilio's side of the check in sms.signature.ts (test traffic only) for form bodies:
 * `X-Twilio-Signature` = base64 HMAC-SHA1, keyed with the auth token, over the URL Twilio calls
 * followed by every parameter name and value, names in code-unit order, no separators.
 * `url` must be what the gateway rebuilds: `WEBHOOK_BASE_URL` + path (the channel's `webhook_url`).
 */
export function signTwilioFormCall(authToken: string, url: string, params: Record<string, string>): Record<string, string> {
  const names = Object.keys(params).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = url + names.map((name) => name + params[name]).join('');
  return { 'x-twilio-signature': createHmac('sha1', authToken).update(text, 'utf8').digest('base64') };
}
