import { type KeyObject, X509Certificate } from 'node:crypto';
import { HttpStatusError } from '../shared/http-status-error';

export interface SnsSigningCertificate {
  publicKey: KeyObject;
  validFromMs: number;
  validToMs: number;
}

/** The certificate could not be fetched (as opposed to fetched and found unusable). */
export class CertificateUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateUnavailableError';
  }
}

/** The certificate host answered 404 or 410: there is no certificate at that URL. */
export class CertificateNotFoundError extends Error {
  constructor(status: number) {
    super(`certificate host answered ${status}`);
    this.name = 'CertificateNotFoundError';
  }
}

// A URL the host says does not exist is not asked for again for a while: SigningCertURL comes
// from an unauthenticated body, so a caller could otherwise make us fetch on every call.
export const NOT_FOUND_MEMORY_MS = 10 * 60_000;
// An unreachable host is retried soon: SNS itself gives up on a notification after ~20 s.
export const UNAVAILABLE_MEMORY_MS = 5_000;

/** A certificate held for one URL instead of fetched from it (development: SNS_DEV_CERTIFICATE_FILE). */
export interface ServedCertificate {
  url: string;
  pem: string;
}

/**
 * One fetch per URL for its life (AWS rotates by publishing a new URL), shared by concurrent callers. Failures are
 * remembered for a while in their own bounded map, so bogus URLs cannot push real certificates out. A served
 * certificate is answered from memory for its URL and never fetched or evicted.
 */
export class SnsCertificateStore {
  private readonly certificates = new Map<string, Promise<SnsSigningCertificate>>();
  private readonly failures = new Map<string, { error: Error; untilMs: number }>();
  private servedCertificate?: SnsSigningCertificate;

  constructor(
    private readonly httpGetText: (url: string) => Promise<string>,
    private readonly now: () => Date,
    private readonly maxEntries: number,
    private readonly served?: ServedCertificate,
  ) {}

  /** `url` must already be checked as an SNS certificate URL (or be the served one's). Rejects when it cannot be fetched or read. */
  certificate(url: string): Promise<SnsSigningCertificate> {
    if (this.served !== undefined && url === this.served.url) return this.serve(this.served.pem);
    const known = this.certificates.get(url);
    if (known) return known;
    const failure = this.failures.get(url);
    if (failure && failure.untilMs > this.now().getTime()) return Promise.reject(failure.error);
    this.failures.delete(url);
    const pending = this.fetch(url);
    this.certificates.set(url, pending);
    pending.then(
      () => bounded(this.certificates, this.maxEntries),
      (error: Error) => {
        if (this.certificates.get(url) === pending) this.certificates.delete(url);
        // Not there, or not a certificate: long. The host did not answer (or throttled): short.
        const memoryMs = error instanceof CertificateUnavailableError ? UNAVAILABLE_MEMORY_MS : NOT_FOUND_MEMORY_MS;
        this.failures.set(url, { error, untilMs: this.now().getTime() + memoryMs });
        bounded(this.failures, this.maxEntries);
      },
    );
    return pending;
  }

  private async fetch(url: string): Promise<SnsSigningCertificate> {
    let pem: string;
    try {
      pem = await this.httpGetText(url);
    } catch (error) {
      // Only "not there" is an answer about the certificate; 403, 408 or 429 may be throttling.
      if (error instanceof HttpStatusError && (error.status === 404 || error.status === 410))
        throw new CertificateNotFoundError(error.status);
      throw new CertificateUnavailableError((error as Error)?.message ?? 'fetch failed');
    }
    return readCertificate(pem);
  }

  /** Read on first use, so an unreadable PEM is a rejection (the call is refused) rather than a throw while adapters are built. */
  private async serve(pem: string): Promise<SnsSigningCertificate> {
    this.servedCertificate ??= readCertificate(pem);
    return this.servedCertificate;
  }
}

function readCertificate(pem: string): SnsSigningCertificate {
  const certificate = new X509Certificate(pem);
  return {
    publicKey: certificate.publicKey,
    validFromMs: Date.parse(certificate.validFrom),
    validToMs: Date.parse(certificate.validTo),
  };
}

function bounded<V>(map: Map<string, V>, maxEntries: number): void {
  while (map.size > maxEntries) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
