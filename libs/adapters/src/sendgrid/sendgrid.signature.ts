import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { headerValue } from '../shared/header';
import { readCredentialString } from '../shared/json-reader';
import { isStrictBase64, isWithinTolerance, parseUnixSeconds } from '../shared/signature-input';
import { SENDGRID_REGISTERED_KEY, SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from './sendgrid.types';

// One entry per distinct verification key in use; the bound only guards against churn.
const MAX_CACHED_KEYS = 1000;

/** ECDSA P-256 over timestamp + raw body (trailing CRLF included), ±5 min. https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features */
export class SendGridSignatureVerifier {
  /** Parsed public keys by the credential string; null remembers a key that does not parse. */
  private readonly keys = new Map<string, KeyObject | null>();

  constructor(private readonly now: () => Date) {}

  verify(request: WebhookRequest, credentials: ChannelCredentials): VerifyResult {
    const signature = headerValue(request.headers, SENDGRID_SIGNATURE_HEADER);
    const timestampText = headerValue(request.headers, SENDGRID_TIMESTAMP_HEADER);
    if (!signature || !timestampText) return { ok: false, reason: 'missing_signature' };

    // The key SendGrid gave the gateway's registration signs the calls; a caller's one serves webhooks set up by hand.
    const verificationKey =
      readCredentialString(credentials, SENDGRID_REGISTERED_KEY) ?? readCredentialString(credentials, 'verification_key');
    if (!verificationKey) return { ok: false, reason: 'missing_credentials', detail: 'verification_key' };
    const key = this.publicKey(verificationKey);
    if (!key) return { ok: false, reason: 'missing_credentials', detail: 'verification_key is not a P-256 public key' };

    const timestamp = parseUnixSeconds(timestampText);
    if (timestamp === undefined) return { ok: false, reason: 'bad_signature', detail: 'timestamp is not unix seconds' };
    if (!isWithinTolerance(timestamp, this.now())) return { ok: false, reason: 'stale_timestamp' };

    if (!isStrictBase64(signature)) return { ok: false, reason: 'bad_signature' };
    const valid = createVerify('sha256')
      .update(timestampText, 'utf8')
      .update(request.rawBody)
      .verify({ key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
    return valid ? { ok: true } : { ok: false, reason: 'bad_signature' };
  }

  private publicKey(verificationKey: string): KeyObject | undefined {
    const cached = this.keys.get(verificationKey);
    if (cached !== undefined) return cached ?? undefined;
    const parsed = parseP256PublicKey(verificationKey);
    if (this.keys.size >= MAX_CACHED_KEYS) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    this.keys.set(verificationKey, parsed ?? null);
    return parsed;
  }
}

/** Base64 DER as SendGrid's console shows it, or PEM; only an EC key on P-256. */
function parseP256PublicKey(text: string): KeyObject | undefined {
  try {
    const key = text.includes('-----BEGIN') ? createPublicKey({ key: text, format: 'pem' }) : parseDerKey(text.replace(/\s+/g, ''));
    if (!key) return undefined;
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined; // not a key at all
  }
}

function parseDerKey(base64: string): KeyObject | undefined {
  if (!isStrictBase64(base64)) return undefined;
  return createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
}
