import { createHash, timingSafeEqual } from 'node:crypto';
import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { headerValue } from '../shared/header';
import { readCredentialString } from '../shared/json-reader';
import { isStrictBase64 } from '../shared/signature-input';

const BASIC_AUTHORIZATION = /^basic +(\S+)\s*$/i;

/** Postmark signs nothing: HTTP Basic credentials in the webhook URL. https://postmarkapp.com/developer/webhooks/webhooks-overview#protecting-your-webhook */
export class PostmarkBasicAuthVerifier {
  verify(request: WebhookRequest, credentials: ChannelCredentials): VerifyResult {
    const authorization = headerValue(request.headers, 'authorization');
    if (!authorization) return { ok: false, reason: 'missing_signature' };

    const username = readCredentialString(credentials, 'basic_auth_username');
    const password = readCredentialString(credentials, 'basic_auth_password');
    if (!username || !password) return { ok: false, reason: 'missing_credentials', detail: 'basic_auth_username, basic_auth_password' };

    const encoded = BASIC_AUTHORIZATION.exec(authorization)?.[1];
    if (!encoded || !isStrictBase64(encoded)) return { ok: false, reason: 'bad_signature', detail: 'not Basic credentials' };

    // Digests of both sides have equal length, so the comparison reveals not even the password's length.
    const presented = createHash('sha256').update(Buffer.from(encoded, 'base64')).digest();
    const expected = createHash('sha256').update(`${username}:${password}`, 'utf8').digest();
    return timingSafeEqual(presented, expected) ? { ok: true } : { ok: false, reason: 'bad_signature' };
  }
}
