import { createHmac } from 'node:crypto';
import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { constantTimeEqual } from '../shared/constant-time';
import { headerValue } from '../shared/header';
import { readCredentialString } from '../shared/json-reader';
import { isWithinTolerance, parseUnixSeconds } from '../shared/signature-input';
import { RESEND_REGISTERED_SECRET_KEY, RESEND_SIGNATURE_HEADER_FAMILIES, type ResendSignatureHeaders } from './resend.types';

const SECRET_PREFIX = 'whsec_';
const SIGNATURE_VERSION_PREFIX = 'v1,';

/** The signature headers of one family, all three present, or undefined. */
export function readResendSignatureHeaders(headers: WebhookRequest['headers']): ResendSignatureHeaders | undefined {
  for (const family of RESEND_SIGNATURE_HEADER_FAMILIES) {
    const id = headerValue(headers, family.id);
    if (id === undefined) continue;
    const timestamp = headerValue(headers, family.timestamp);
    const signature = headerValue(headers, family.signature);
    if (!id || !timestamp || !signature) return undefined;
    return { id, timestamp, signature };
  }
  return undefined;
}

/** Standard Webhooks: HMAC over `${id}.${timestamp}.${body}`, ±5 min. https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md */
export class ResendSignatureVerifier {
  constructor(private readonly now: () => Date) {}

  verify(request: WebhookRequest, credentials: ChannelCredentials): VerifyResult {
    const signed = readResendSignatureHeaders(request.headers);
    if (!signed) return { ok: false, reason: 'missing_signature' };

    // The secret Resend gave the gateway's registration signs the calls; a caller's one serves endpoints made by hand.
    const secret = readCredentialString(credentials, RESEND_REGISTERED_SECRET_KEY) ?? readCredentialString(credentials, 'webhook_secret');
    const key = decodeSecret(secret);
    if (!key) return { ok: false, reason: 'missing_credentials', detail: 'webhook_secret' };

    const timestamp = parseUnixSeconds(signed.timestamp);
    if (timestamp === undefined) return { ok: false, reason: 'bad_signature', detail: 'timestamp is not unix seconds' };
    if (!isWithinTolerance(timestamp, this.now())) return { ok: false, reason: 'stale_timestamp' };

    const expected = createHmac('sha256', key).update(`${signed.id}.${signed.timestamp}.`, 'utf8').update(request.rawBody).digest('base64');

    // Every candidate is compared (no early exit) so timing says nothing about which one matched.
    let matched = false;
    for (const entry of signed.signature.split(' ')) {
      if (!entry.startsWith(SIGNATURE_VERSION_PREFIX)) continue; // other versions are not ours to judge
      if (constantTimeEqual(entry.slice(SIGNATURE_VERSION_PREFIX.length), expected)) matched = true;
    }
    return matched ? { ok: true } : { ok: false, reason: 'bad_signature' };
  }
}

/** `whsec_<base64>` (prefix optional, as in the official libraries) → HMAC key bytes. */
function decodeSecret(secret: string | undefined): Buffer | undefined {
  if (secret === undefined) return undefined;
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 ? key : undefined;
}
