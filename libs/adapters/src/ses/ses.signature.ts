import { verify as verifySignature } from 'node:crypto';
import type { AdapterDependencies, ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { isJsonObject } from '../shared/json-reader';
import { isStrictBase64 } from '../shared/signature-input';
import { CertificateUnavailableError, SnsCertificateStore } from './ses.certificate-store';
import { readSnsEnvelope, snsStringToSign } from './ses.envelope';

// SNS signs with a handful of certificates (one per region and rotation); the bound guards against churn.
const MAX_CACHED_CERTIFICATES = 64;

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = { '1': 'sha1', '2': 'sha256' };

/**
 * An https URL on an SNS host, or undefined. Only what WHATWG parsing yields is judged, and
 * callers fetch the normalised `href`, so no other parser can read the text differently.
 */
export function trustedSnsUrl(text: string | undefined, kind: 'certificate' | 'subscribe'): URL | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') return undefined;
  if (!SNS_HOST.test(url.hostname)) return undefined;
  if (kind === 'certificate') return url.pathname.endsWith('.pem') && url.search === '' && url.hash === '' ? url : undefined;
  return url.searchParams.get('Action') === 'ConfirmSubscription' ? url : undefined;
}

type TopicAllowList = { ok: true; topics: readonly string[] | undefined } | { ok: false };

/** `topic_arn`: absent for any topic, else one ARN or a non-empty list of ARNs. */
function readTopicAllowList(credentials: ChannelCredentials): TopicAllowList {
  if (!isJsonObject(credentials)) return { ok: false };
  const value = Object.prototype.hasOwnProperty.call(credentials, 'topic_arn') ? credentials['topic_arn'] : undefined;
  if (value === undefined || value === null) return { ok: true, topics: undefined };
  if (typeof value === 'string') return value.length > 0 ? { ok: true, topics: [value] } : { ok: false };
  if (Array.isArray(value) && value.length > 0 && value.every((topic) => typeof topic === 'string' && topic.length > 0)) {
    return { ok: true, topics: value as string[] };
  }
  return { ok: false };
}

/**
 * Amazon SNS message signatures (SignatureVersion 1 = SHA1withRSA, 2 = SHA256withRSA) with
 * the certificate from `SigningCertURL`, which must be on an SNS host; an optional topic
 * allow-list; and the confirmation of a verified SubscriptionConfirmation.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export class SnsSignatureVerifier {
  private readonly certificates: SnsCertificateStore;

  constructor(private readonly deps: AdapterDependencies) {
    this.certificates = new SnsCertificateStore(deps.httpGetText, MAX_CACHED_CERTIFICATES);
  }

  async verify(request: WebhookRequest, credentials: ChannelCredentials): Promise<VerifyResult> {
    const envelope = readSnsEnvelope(request.rawBody);
    if (!envelope || !envelope.Signature || !envelope.SigningCertURL || !envelope.SignatureVersion) {
      return { ok: false, reason: 'missing_signature' };
    }
    const allowList = readTopicAllowList(credentials);
    if (!allowList.ok) return { ok: false, reason: 'missing_credentials', detail: 'topic_arn must be an ARN or a list of ARNs' };

    const algorithm = Object.prototype.hasOwnProperty.call(SIGNATURE_ALGORITHMS, envelope.SignatureVersion)
      ? SIGNATURE_ALGORITHMS[envelope.SignatureVersion]
      : undefined;
    if (!algorithm) return { ok: false, reason: 'bad_signature', detail: 'unsupported SignatureVersion' };
    const stringToSign = snsStringToSign(envelope);
    if (stringToSign === undefined) return { ok: false, reason: 'bad_signature', detail: 'unknown Type or signed field missing' };

    const certificateUrl = trustedSnsUrl(envelope.SigningCertURL, 'certificate');
    if (!certificateUrl) return { ok: false, reason: 'untrusted_certificate', detail: 'SigningCertURL is not an SNS certificate URL' };
    // Checked before any fetch: a foreign topic costs us no request to AWS.
    if (allowList.topics && !allowList.topics.includes(envelope.TopicArn ?? '')) return { ok: false, reason: 'topic_not_allowed' };
    if (!isStrictBase64(envelope.Signature)) return { ok: false, reason: 'bad_signature' };

    let certificate;
    try {
      certificate = await this.certificates.certificate(certificateUrl.href);
    } catch (error) {
      // Not fetched: SNS should try again later (503). Fetched but unreadable: untrusted.
      return error instanceof CertificateUnavailableError
        ? { ok: false, reason: 'upstream_unavailable', detail: 'certificate could not be fetched' }
        : { ok: false, reason: 'untrusted_certificate', detail: 'certificate could not be read' };
    }
    const nowMs = this.deps.now().getTime();
    // NaN bounds (an unreadable validity) fail both comparisons' negation: treated as expired.
    if (!(nowMs >= certificate.validFromMs && nowMs <= certificate.validToMs)) {
      return { ok: false, reason: 'untrusted_certificate', detail: 'certificate is not valid now' };
    }
    const valid = verifySignature(algorithm, Buffer.from(stringToSign, 'utf8'), certificate.publicKey, Buffer.from(envelope.Signature, 'base64'));
    if (!valid) return { ok: false, reason: 'bad_signature' };

    if (envelope.Type === 'SubscriptionConfirmation') return this.confirmSubscription(envelope.SubscribeURL);
    return { ok: true };
  }

  /**
   * Visiting SubscribeURL confirms the subscription. Done here because verify is the async step
   * with dependencies; parse stays pure. An UnsubscribeConfirmation is never visited: that would
   * subscribe again.
   */
  private async confirmSubscription(subscribeUrlText: string | undefined): Promise<VerifyResult> {
    const subscribeUrl = trustedSnsUrl(subscribeUrlText, 'subscribe');
    if (!subscribeUrl) return { ok: false, reason: 'untrusted_certificate', detail: 'SubscribeURL is not an SNS confirmation URL' };
    try {
      await this.deps.httpGetText(subscribeUrl.href);
    } catch {
      // AWS did not answer: the gateway says 503, so SNS sends the confirmation again.
      return { ok: false, reason: 'upstream_unavailable', detail: 'subscription confirmation request failed' };
    }
    return { ok: true };
  }
}
