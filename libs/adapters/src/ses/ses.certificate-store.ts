import { KeyObject, X509Certificate } from 'node:crypto';
import { HttpStatusError } from '../shared/http-status-error';

/** What the verifier needs of an SNS signing certificate. */
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

/** The certificate host answered 4xx: there is no certificate at that URL. */
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

interface Entry {
  certificate: Promise<SnsSigningCertificate>;
  /** Set when the fetch failed: the failure is answered until then. */
  failedUntilMs?: number;
}

/**
 * SNS signing certificates by URL. A URL names one certificate for its whole life (AWS
 * rotates by publishing a new URL), so a certificate is fetched and parsed once; calls that
 * arrive together before the first fetch ends share that fetch. A failure is remembered
 * (NOT_FOUND_MEMORY_MS, UNAVAILABLE_MEMORY_MS), then the URL is fetched again.
 */
export class SnsCertificateStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly httpGetText: (url: string) => Promise<string>,
    private readonly now: () => Date,
    private readonly maxEntries: number,
  ) {}

  /** `url` must already be checked as an SNS certificate URL. Rejects when it cannot be fetched or read. */
  certificate(url: string): Promise<SnsSigningCertificate> {
    const known = this.entries.get(url);
    if (known && (known.failedUntilMs === undefined || known.failedUntilMs > this.now().getTime())) return known.certificate;
    if (known) this.entries.delete(url);
    const entry: Entry = { certificate: this.fetch(url) };
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(url, entry);
    entry.certificate.catch((error: unknown) => {
      const memoryMs = error instanceof CertificateUnavailableError ? UNAVAILABLE_MEMORY_MS : NOT_FOUND_MEMORY_MS;
      entry.failedUntilMs = this.now().getTime() + memoryMs;
    });
    return entry.certificate;
  }

  private async fetch(url: string): Promise<SnsSigningCertificate> {
    let pem: string;
    try {
      pem = await this.httpGetText(url);
    } catch (error) {
      if (error instanceof HttpStatusError && error.status >= 400 && error.status < 500) throw new CertificateNotFoundError(error.status);
      throw new CertificateUnavailableError((error as Error)?.message ?? 'fetch failed');
    }
    const certificate = new X509Certificate(pem);
    return {
      publicKey: certificate.publicKey,
      validFromMs: Date.parse(certificate.validFrom),
      validToMs: Date.parse(certificate.validTo),
    };
  }
}
