import { createHash, createHmac } from 'node:crypto';
import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { constantTimeEqual } from '../shared/constant-time';
import { headerValue } from '../shared/header';
import { isJsonObject } from '../shared/json-reader';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'https:': ':443', 'http:': ':80' };
const TRAILING_PORT = /:\d*$/;

/**
 * With and without the port, since proxies and Twilio disagree on writing :443 / :80. On the raw
 * string: `new URL()` would re-encode characters Twilio signed raw.
 */
function twilioUrlVariants(url: string): string[] {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd <= 0) return [url];
  const authorityStart = schemeEnd + 3;
  const authorityEnd = url.slice(authorityStart).search(/[/?#]/);
  const authorityStop = authorityEnd === -1 ? url.length : authorityStart + authorityEnd;
  const authority = url.slice(authorityStart, authorityStop);
  const hostStart = authority.lastIndexOf('@') + 1;
  const port = TRAILING_PORT.exec(authority.slice(hostStart))?.[0];
  const before = url.slice(0, authorityStart) + authority.slice(0, authority.length - (port?.length ?? 0));
  const after = url.slice(authorityStop);
  const withoutPort = before + after;
  const defaultPort = DEFAULT_PORTS[url.slice(0, schemeEnd + 1).toLowerCase()];
  const withPort = port !== undefined ? url : defaultPort !== undefined ? before + defaultPort + after : undefined;
  return withPort === undefined || withPort === withoutPort ? [withoutPort] : [withoutPort, withPort];
}

/** Names in code-unit order, each followed by its value; a repeated name's distinct values sorted, as `twilio` does. */
function twilioSignedParams(formBody: string): string {
  const valuesByName = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(formBody)) {
    const values = valuesByName.get(name);
    if (values) values.push(value);
    else valuesByName.set(name, [value]);
  }
  let signed = '';
  for (const name of [...valuesByName.keys()].sort()) {
    const values = valuesByName.get(name) ?? [];
    const distinct = values.length === 1 ? values : [...new Set(values)].sort();
    for (const value of distinct) signed += name + value;
  }
  return signed;
}

function bodyHashParam(url: string): string | null {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return null;
  const fragmentStart = url.indexOf('#', queryStart);
  return new URLSearchParams(url.slice(queryStart + 1, fragmentStart === -1 ? undefined : fragmentStart)).get('bodySHA256');
}

function signatureMatches(authToken: string, signature: string, urls: string[], params: string): boolean {
  // Every variant is computed and compared, so timing does not tell which one matched.
  let matched = false;
  for (const url of urls) {
    const expected = createHmac('sha1', authToken)
      .update(url + params, 'utf8')
      .digest('base64');
    matched = constantTimeEqual(expected, signature) || matched;
  }
  return matched;
}

/**
 * https://www.twilio.com/docs/usage/security#validating-requests. JSON bodies are signed differently: the URL carries
 * `bodySHA256` and the signature covers the URL alone.
 */
export function verifyTwilioSignature(request: WebhookRequest, credentials: ChannelCredentials): VerifyResult {
  const signature = headerValue(request.headers, TWILIO_SIGNATURE_HEADER);
  if (signature === undefined || signature === '') return { ok: false, reason: 'missing_signature' };
  const authToken = isJsonObject(credentials) ? credentials['auth_token'] : undefined;
  if (typeof authToken !== 'string' || authToken === '') {
    return { ok: false, reason: 'missing_credentials', detail: 'auth_token is not set' };
  }
  const urls = twilioUrlVariants(request.url);
  const bodyHash = bodyHashParam(request.url);
  if (bodyHash === null) {
    const params = twilioSignedParams(request.rawBody.toString('utf8'));
    return signatureMatches(authToken, signature, urls, params) ? { ok: true } : { ok: false, reason: 'bad_signature' };
  }
  if (!signatureMatches(authToken, signature, urls, '')) return { ok: false, reason: 'bad_signature' };
  const actualHash = createHash('sha256').update(request.rawBody).digest('hex');
  return constantTimeEqual(actualHash, bodyHash.toLowerCase())
    ? { ok: true }
    : { ok: false, reason: 'bad_signature', detail: 'body does not match bodySHA256' };
}
