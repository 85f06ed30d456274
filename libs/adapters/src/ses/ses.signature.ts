import { verify as verifySignature } from 'node:crypto';
import type { AdapterDependencies, ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { isJsonObject } from '../shared/json-reader';
import { isStrictBase64 } from '../shared/signature-input';
import { CertificateNotFoundError, CertificateUnavailableError, SnsCertificateStore } from './ses.certificate-store';
import { loopbackSubscribeUrl, SNS_DEV_CERTIFICATE, SNS_DEV_CERTIFICATE_URL } from './ses.development-certificate';
import { readSnsEnvelope, snsStringToSign } from './ses.envelope';

// SNS signs with a handful of certificates (one per region and rotation); the bound guards against churn.
const MAX_CACHED_CERTIFICATES = 64;

// `sns.<region>.amazonaws.com[.cn]` with a real region's shape: other `sns.*` hosts on amazonaws.com are S3 buckets or
// API Gateways anyone can create.
const SNS_HOST = /^sns\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.amazonaws\.com(?:\.cn)?$/;

const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = { '1': 'sha1', '2': 'sha256' };

/** Judges only the WHATWG-parsed URL, and callers fetch its normalised `href`, so no other parser reads it differently. */
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

type TopicAllowList = { ok: true; topics: readonly string[] } | { ok: false };

/** Required: a signature proves AWS sent the call, not whose topic; without the list anyone could publish forged events. */
function readTopicAllowList(credentials: ChannelCredentials): TopicAllowList {
  if (!isJsonObject(credentials)) return { ok: false };
  const value = Object.prototype.hasOwnProperty.call(credentials, 'topic_arn') ? credentials['topic_arn'] : undefined;
  if (typeof value === 'string') return value.length > 0 ? { ok: true, topics: [value] } : { ok: false };
  if (Array.isArray(value) && value.length > 0 && value.every((topic) => typeof topic === 'string' && topic.length > 0)) {
    return { ok: true, topics: value as string[] };
  }
  return { ok: false };
}

/**
 * SignatureVersion 1 or 2, certificate from an SNS host, topic allow-list, subscription confirmation. https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * In development, also the certificate the gateway read from SNS_DEV_CERTIFICATE_FILE, for messages pointing at SNS_DEV_CERTIFICATE_URL.
 */
export class SnsSignatureVerifier {
  private readonly certificates: SnsCertificateStore;
  private readonly trustsDevCertificate: boolean;

  constructor(private readonly deps: AdapterDependencies) {
    const devCertificatePem = deps.developmentFiles?.[SNS_DEV_CERTIFICATE.variable];
    this.trustsDevCertificate = devCertificatePem !== undefined;
    this.certificates = new SnsCertificateStore(
      deps.httpGetText,
      deps.now,
      MAX_CACHED_CERTIFICATES,
      devCertificatePem === undefined ? undefined : { url: SNS_DEV_CERTIFICATE_URL, pem: devCertificatePem },
    );
  }

  async verify(request: WebhookRequest, credentials: ChannelCredentials): Promise<VerifyResult> {
    const envelope = readSnsEnvelope(request.rawBody);
    if (!envelope || !envelope.Signature || !envelope.SigningCertURL || !envelope.SignatureVersion) {
      return { ok: false, reason: 'missing_signature' };
    }
    const allowList = readTopicAllowList(credentials);
    if (!allowList.ok) return { ok: false, reason: 'missing_credentials', detail: 'topic_arn (an ARN or a list of ARNs) is required' };

    const algorithm = Object.prototype.hasOwnProperty.call(SIGNATURE_ALGORITHMS, envelope.SignatureVersion)
      ? SIGNATURE_ALGORITHMS[envelope.SignatureVersion]
      : undefined;
    if (!algorithm) return { ok: false, reason: 'bad_signature', detail: 'unsupported SignatureVersion' };
    const stringToSign = snsStringToSign(envelope);
    if (stringToSign === undefined) return { ok: false, reason: 'bad_signature', detail: 'unknown Type or signed field missing' };

    const certificateUrl = this.certificateUrl(envelope.SigningCertURL);
    if (!certificateUrl) return { ok: false, reason: 'untrusted_certificate', detail: 'SigningCertURL is not an SNS certificate URL' };
    // Checked before any fetch: a foreign topic costs us no request to AWS.
    if (!allowList.topics.includes(envelope.TopicArn ?? '')) return { ok: false, reason: 'topic_not_allowed' };
    if (!isStrictBase64(envelope.Signature)) return { ok: false, reason: 'bad_signature' };

    let certificate;
    try {
      certificate = await this.certificates.certificate(certificateUrl);
    } catch (error) {
      // Not fetched: SNS should try again later (503). The host says there is no such
      // certificate, or it cannot be read: untrusted (401), since AWS never signs with one.
      if (error instanceof CertificateUnavailableError) {
        return { ok: false, reason: 'upstream_unavailable', detail: 'certificate could not be fetched' };
      }
      if (error instanceof CertificateNotFoundError) return { ok: false, reason: 'untrusted_certificate', detail: 'no such certificate' };
      return { ok: false, reason: 'untrusted_certificate', detail: 'certificate could not be read' };
    }
    const nowMs = this.deps.now().getTime();
    // NaN bounds (an unreadable validity) fail both comparisons' negation: treated as expired.
    if (!(nowMs >= certificate.validFromMs && nowMs <= certificate.validToMs)) {
      return { ok: false, reason: 'untrusted_certificate', detail: 'certificate is not valid now' };
    }
    const valid = verifySignature(
      algorithm,
      Buffer.from(stringToSign, 'utf8'),
      certificate.publicKey,
      Buffer.from(envelope.Signature, 'base64'),
    );
    if (!valid) return { ok: false, reason: 'bad_signature' };

    if (envelope.Type === 'SubscriptionConfirmation') {
      return this.confirmSubscription(envelope.SubscribeURL, certificateUrl === SNS_DEV_CERTIFICATE_URL);
    }
    return { ok: true };
  }

  /** The URL to take the certificate from; the development one is trusted only while a development certificate is configured. */
  private certificateUrl(text: string | undefined): string | undefined {
    if (this.trustsDevCertificate && text === SNS_DEV_CERTIFICATE_URL) return text;
    return trustedSnsUrl(text, 'certificate')?.href;
  }

  /**
   * Done in verify, the async step; parse stays pure. An UnsubscribeConfirmation is never visited: that would resubscribe.
   * A confirmation signed with the development certificate is confirmed on this machine only, an AWS-signed one on SNS only.
   */
  private async confirmSubscription(subscribeUrlText: string | undefined, signedLocally: boolean): Promise<VerifyResult> {
    const subscribeUrl = signedLocally ? loopbackSubscribeUrl(subscribeUrlText) : trustedSnsUrl(subscribeUrlText, 'subscribe');
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
