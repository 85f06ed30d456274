// `npm start` also runs this file with plain Node (type stripping, tools/dev/local-env.mjs) to make the
// SNS development certificate: keep it free of imports other than node:* and of TypeScript-only runtime syntax.
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/** Built at test time so specs, benchmarks and local traffic sign SNS messages offline; Node makes keys but not certificates. */
export interface TestCertificate {
  privateKey: KeyObject;
  certificatePem: string;
}

export interface TestCertificateOptions {
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';

export function createSelfSignedCertificate(options: TestCertificateOptions = {}): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const name = sequence(set(sequence(objectId(COMMON_NAME), utf8String(options.commonName ?? 'sns.amazonaws.com'))));
  const algorithm = sequence(objectId(SHA256_WITH_RSA), Buffer.from([0x05, 0x00]));
  const notBefore = options.notBefore ?? new Date(Date.now() - 24 * 3600 * 1000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const tbsCertificate = sequence(
    element(0xa0, integer(Buffer.from([2]))), // version 3
    integer(randomBytes(8)),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbsCertificate, privateKey);
  const certificate = sequence(tbsCertificate, algorithm, element(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64Lines = certificate.toString('base64').match(/.{1,64}/g) ?? [];
  return { privateKey, certificatePem: `-----BEGIN CERTIFICATE-----\n${base64Lines.join('\n')}\n-----END CERTIFICATE-----\n` };
}

function element(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  return Buffer.concat([Buffer.from([tag, 0x80 | lengthBytes.length, ...lengthBytes]), content]);
}

function sequence(...parts: Buffer[]): Buffer {
  return element(0x30, Buffer.concat(parts));
}

function set(...parts: Buffer[]): Buffer {
  return element(0x31, Buffer.concat(parts));
}

function integer(bytes: Buffer): Buffer {
  // A leading 1 bit would make the number negative.
  return element(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function utf8String(text: string): Buffer {
  return element(0x0c, Buffer.from(text, 'utf8'));
}

function objectId(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) base128.unshift((value & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return element(0x06, Buffer.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime from 2050 on, as RFC 5280 asks. */
function time(date: Date): Buffer {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  return date.getUTCFullYear() < 2050
    ? element(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : element(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}
