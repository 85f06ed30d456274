import { KeyObject, X509Certificate } from 'node:crypto';

/** What the verifier needs of an SNS signing certificate. */
export interface SnsSigningCertificate {
  publicKey: KeyObject;
  validFromMs: number;
  validToMs: number;
}

/**
 * SNS signing certificates by URL. A URL names one certificate for its whole life (AWS
 * rotates by publishing a new URL), so a certificate is fetched and parsed once; calls that
 * arrive together before the first fetch ends share that fetch. A failed fetch is not
 * remembered, so the next call tries again.
 */
/** The certificate could not be fetched (as opposed to fetched and found unusable). */
export class CertificateUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateUnavailableError';
  }
}

export class SnsCertificateStore {
  private readonly certificates = new Map<string, Promise<SnsSigningCertificate>>();

  constructor(
    private readonly httpGetText: (url: string) => Promise<string>,
    private readonly maxEntries: number,
  ) {}

  /** `url` must already be checked as an SNS certificate URL. Rejects when it cannot be fetched or read. */
  certificate(url: string): Promise<SnsSigningCertificate> {
    const known = this.certificates.get(url);
    if (known) return known;
    const pending = this.fetch(url);
    if (this.certificates.size >= this.maxEntries) {
      const oldest = this.certificates.keys().next();
      if (!oldest.done) this.certificates.delete(oldest.value);
    }
    this.certificates.set(url, pending);
    pending.catch(() => {
      if (this.certificates.get(url) === pending) this.certificates.delete(url);
    });
    return pending;
  }

  private async fetch(url: string): Promise<SnsSigningCertificate> {
    let pem: string;
    try {
      pem = await this.httpGetText(url);
    } catch (error) {
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
