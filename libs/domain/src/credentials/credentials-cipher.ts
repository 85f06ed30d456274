import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export type ChannelCredentialValues = Record<string, unknown>;

/** The stored credentials could not be read: wrong key, unknown key, or tampered bytes. */
export class CredentialsDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsDecryptionError';
  }
}

const SEALED_PREFIX = 'v1';
const PLAIN_PREFIX = 'plain';
const NONCE_BYTES = 12;

/** Short, stable name of a key, stored beside the ciphertext so rotation knows which key sealed it. */
export function credentialsKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/**
 * AES-256-GCM with the owning row's id (a channel's or a subscription's) as associated data, so a sealed value
 * copied onto another row does not open (docs/CONTRACTS.md, "`channels`"). With `refusePlain` (the gateway in
 * production) a `plain.` value is refused until resealed.
 */
export class CredentialsCipher {
  private readonly keysById = new Map<string, Buffer>();
  private readonly currentKeyId?: string;

  private readonly refusePlain: boolean;

  constructor(currentKey?: Buffer, previousKeys: readonly Buffer[] = [], options: { refusePlain?: boolean } = {}) {
    this.refusePlain = options.refusePlain === true && currentKey !== undefined;
    for (const key of [currentKey, ...previousKeys]) {
      if (key === undefined) continue;
      if (key.length !== 32) throw new RangeError('credential keys must be 32 bytes');
      this.keysById.set(credentialsKeyId(key), key);
    }
    this.currentKeyId = currentKey ? credentialsKeyId(currentKey) : undefined;
  }

  get encrypts(): boolean {
    return this.currentKeyId !== undefined;
  }

  seal(ownerId: string, credentials: ChannelCredentialValues): string {
    const plaintext = Buffer.from(JSON.stringify(credentials), 'utf8');
    if (this.currentKeyId === undefined) return `${PLAIN_PREFIX}.${b64url(plaintext)}`;
    const key = this.keysById.get(this.currentKeyId) as Buffer;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(ownerId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [SEALED_PREFIX, this.currentKeyId, b64url(nonce), b64url(ciphertext), b64url(cipher.getAuthTag())].join('.');
  }

  open(ownerId: string, stored: string): ChannelCredentialValues {
    const parts = stored.split('.');
    let plaintext: Buffer;
    if (parts[0] === PLAIN_PREFIX && parts.length === 2) {
      if (this.refusePlain) {
        throw new CredentialsDecryptionError(`the sealed secrets of ${ownerId} are stored unencrypted; run the reseal tool`);
      }
      plaintext = Buffer.from(parts[1], 'base64url');
    } else if (parts[0] === SEALED_PREFIX && parts.length === 5) {
      const [, keyId, nonce, ciphertext, tag] = parts;
      const key = this.keysById.get(keyId);
      if (!key)
        throw new CredentialsDecryptionError(`the sealed secrets of ${ownerId} are sealed with key ${keyId}, which is not configured`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
        decipher.setAAD(Buffer.from(ownerId, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
      } catch {
        throw new CredentialsDecryptionError(`the sealed secrets of ${ownerId} failed authentication (wrong key or altered value)`);
      }
    } else {
      throw new CredentialsDecryptionError(`the sealed secrets of ${ownerId} are in an unknown format`);
    }
    const value: unknown = JSON.parse(plaintext.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CredentialsDecryptionError(`the sealed secrets of ${ownerId} are not an object`);
    }
    return value as ChannelCredentialValues;
  }

  /** True when the stored value is not sealed with the current key (rotation, or plain). */
  needsResealing(stored: string): boolean {
    if (this.currentKeyId === undefined) return false;
    const [prefix, keyId] = stored.split('.');
    return prefix !== SEALED_PREFIX || keyId !== this.currentKeyId;
  }
}
