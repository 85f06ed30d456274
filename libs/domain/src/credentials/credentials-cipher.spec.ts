import { randomBytes } from 'node:crypto';
import { CredentialsCipher, CredentialsDecryptionError, credentialsKeyId } from './credentials-cipher';

const channelId = '3f0b8a9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const secrets = { bot_token: '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11', webhook_secret: 'x'.repeat(40) };

describe('CredentialsCipher', () => {
  const key = randomBytes(32);
  const cipher = new CredentialsCipher(key);

  it('round-trips and keeps no plaintext in the stored value', () => {
    const stored = cipher.seal(channelId, secrets);
    expect(stored.startsWith(`v1.${credentialsKeyId(key)}.`)).toBe(true);
    expect(stored).not.toContain('ABC-DEF');
    expect(Buffer.from(stored.split('.')[3], 'base64url').toString('latin1')).not.toContain('bot_token');
    expect(cipher.open(channelId, stored)).toEqual(secrets);
  });

  it('uses a fresh nonce for every value', () => {
    expect(cipher.seal(channelId, secrets)).not.toBe(cipher.seal(channelId, secrets));
  });

  it('fails loudly with the wrong key', () => {
    const stored = cipher.seal(channelId, secrets);
    const other = new CredentialsCipher(randomBytes(32));
    expect(() => other.open(channelId, stored)).toThrow(CredentialsDecryptionError);
    expect(() => other.open(channelId, stored)).toThrow(/not configured/);
  });

  it('fails when the value is altered or moved to another channel', () => {
    const stored = cipher.seal(channelId, secrets);
    const parts = stored.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    parts[3] = flipped.toString('base64url');
    expect(() => cipher.open(channelId, parts.join('.'))).toThrow(/failed authentication/);
    expect(() => cipher.open('00000000-0000-4000-8000-000000000000', stored)).toThrow(/failed authentication/);
    expect(() => cipher.open(channelId, 'garbage')).toThrow(/unknown format/);
  });

  it('rotates: the new key opens old values through the previous key and reseals them', () => {
    const newKey = randomBytes(32);
    const rotating = new CredentialsCipher(newKey, [key]);
    const old = cipher.seal(channelId, secrets);
    expect(rotating.needsResealing(old)).toBe(true);
    const resealed = rotating.seal(channelId, rotating.open(channelId, old));
    expect(rotating.needsResealing(resealed)).toBe(false);
    expect(new CredentialsCipher(newKey).open(channelId, resealed)).toEqual(secrets);
  });

  it('stores visibly plain values when no key is configured (development)', () => {
    const plain = new CredentialsCipher();
    const stored = plain.seal(channelId, secrets);
    expect(stored.startsWith('plain.')).toBe(true);
    expect(plain.open(channelId, stored)).toEqual(secrets);
    expect(cipher.needsResealing(stored)).toBe(true);
  });

  it('refuses to open a plain value when told to (production with a key), and still seals and opens sealed ones', () => {
    const strict = new CredentialsCipher(key, [], { refusePlain: true });
    const plain = new CredentialsCipher().seal(channelId, secrets);
    expect(() => strict.open(channelId, plain)).toThrow(/unencrypted/);
    expect(strict.open(channelId, strict.seal(channelId, secrets))).toEqual(secrets);
    // The reseal tool's cipher (no refusePlain) converts such rows.
    expect(cipher.open(channelId, plain)).toEqual(secrets);
  });

  it('refuses keys of the wrong size', () => {
    expect(() => new CredentialsCipher(randomBytes(16))).toThrow(RangeError);
  });
});
