import { createHmac } from 'node:crypto';
import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { constantTimeEqual } from '../shared/constant-time';
import { isJsonObject, parseJsonBody, readCredentialString, readObject, readString, readText } from '../shared/json-reader';
import { isWithinTolerance, parseUnixSeconds, SIGNATURE_TOLERANCE_SECONDS } from '../shared/signature-input';
import { MailgunReplayGuard } from './mailgun.replay-guard';
import { MAILGUN_REGISTERED_KEY, type MailgunSignature } from './mailgun.types';

// A remembered token outlives its replay window by this much, for clock differences.
const REPLAY_MARGIN_SECONDS = 60;
// Tokens of signed calls only are remembered; ~100 bytes each.
const MAX_REMEMBERED_TOKENS = 200_000;

/** HMAC over `timestamp + token`, ±5 min, each token once. https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks */
export class MailgunSignatureVerifier {
  private readonly replayGuard = new MailgunReplayGuard(MAX_REMEMBERED_TOKENS);
  /** The token of each call that verified, until the gateway says whether it was accepted. */
  private readonly verified = new WeakMap<WebhookRequest, { token: string; expiresAtMs: number }>();

  constructor(private readonly now: () => Date) {}

  verify(request: WebhookRequest, credentials: ChannelCredentials): VerifyResult {
    const signed = readMailgunSignature(request.rawBody);
    if (!signed) return { ok: false, reason: 'missing_signature' };

    // The key the gateway's registration read from Mailgun signs the calls; a caller's one serves webhooks set up by hand.
    const signingKey = readCredentialString(credentials, MAILGUN_REGISTERED_KEY) ?? readCredentialString(credentials, 'signing_key');
    if (!signingKey) return { ok: false, reason: 'missing_credentials', detail: 'signing_key' };

    const timestamp = parseUnixSeconds(signed.timestamp);
    if (timestamp === undefined) return { ok: false, reason: 'bad_signature', detail: 'timestamp is not unix seconds' };
    const now = this.now();
    if (!isWithinTolerance(timestamp, now)) return { ok: false, reason: 'stale_timestamp' };

    const expected = createHmac('sha256', signingKey)
      .update(signed.timestamp + signed.token, 'utf8')
      .digest('hex');
    // A subaccount call is also signed with the primary account's key: either may be the one configured.
    const ownMatches = constantTimeEqual(signed.signature, expected);
    const parentMatches = signed['parent-signature'] !== undefined && constantTimeEqual(signed['parent-signature'], expected);
    if (!ownMatches && !parentMatches) return { ok: false, reason: 'bad_signature' };

    if (this.replayGuard.seen(signed.token, now.getTime())) return { ok: false, reason: 'replayed' };
    const expiresAtMs = (timestamp + SIGNATURE_TOLERANCE_SECONDS + REPLAY_MARGIN_SECONDS) * 1000;
    this.verified.set(request, { token: signed.token, expiresAtMs });
    return { ok: true };
  }

  /** Remembered only once accepted: at verification it would refuse, as a replay, the retry of a call answered 503. */
  accepted(request: WebhookRequest): void {
    const verified = this.verified.get(request);
    if (!verified) return;
    this.verified.delete(request);
    this.replayGuard.remember(verified.token, verified.expiresAtMs, this.now().getTime());
  }
}

function readMailgunSignature(rawBody: Buffer): MailgunSignature | undefined {
  const body = parseJsonBody(rawBody);
  if (!body.ok || !isJsonObject(body.value)) return undefined;
  const signature = readObject(body.value, 'signature');
  if (!signature) return undefined;
  const token = readString(signature, 'token');
  const timestamp = readText(signature, 'timestamp');
  const hmac = readString(signature, 'signature');
  if (!token || !timestamp || !hmac) return undefined;
  return { token, timestamp, signature: hmac, 'parent-signature': readString(signature, 'parent-signature') };
}
