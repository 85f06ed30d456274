import { randomBytes } from 'node:crypto';

/** Credentials as the admin API takes them and the gateway stores them (sealed). */
export type Credentials = Record<string, unknown>;

/** A credentials problem, naming the field as the caller wrote it (`credentials.bot_token`). */
export class CredentialsError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
    this.name = 'CredentialsError';
  }
}

export const credentialField = (name: string) => `credentials.${name}`;

/** Longest credential value taken: anything longer is a mistake, not a key. */
const MAX_CREDENTIAL_LENGTH = 4096;

export function requireString(credentials: Credentials, name: string, pattern?: RegExp, hint?: string): void {
  const value = credentials[name];
  if (typeof value !== 'string' || value.trim() === '') throw new CredentialsError(credentialField(name), 'must be a non-empty string');
  if (value.length > MAX_CREDENTIAL_LENGTH) throw new CredentialsError(credentialField(name), 'is too long');
  if (pattern && !pattern.test(value)) throw new CredentialsError(credentialField(name), hint ?? 'has the wrong format');
}

export function optionalString(credentials: Credentials, name: string, pattern?: RegExp, hint?: string): void {
  if (credentials[name] !== undefined) requireString(credentials, name, pattern, hint);
}

/** A random token in the alphabet both Telegram's secret_token and Meta's verify token accept. */
export function generatedToken(): string {
  return randomBytes(24).toString('base64url');
}

/** A caller may not set keys the server writes (values a provider gave back); the first one found is named. */
export function refuseServerOwnedKeys(input: Credentials, keys: readonly string[]): void {
  for (const key of keys) {
    if (input[key] !== undefined) throw new CredentialsError(credentialField(key), 'is written by the server and cannot be set');
  }
}

/** A PATCH merges key by key, so null is how a caller removes an optional key: gone before the checks. */
export function withoutNullKeys(credentials: Credentials, keys: readonly string[]): Credentials {
  const kept = { ...credentials };
  for (const key of keys) if (kept[key] === null) delete kept[key];
  return kept;
}

/** The credentials without these keys; the same object when none is present. */
export function withoutKeys(credentials: Credentials, keys: readonly string[]): Credentials {
  if (!keys.some((key) => Object.prototype.hasOwnProperty.call(credentials, key))) return credentials;
  const kept = { ...credentials };
  for (const key of keys) delete kept[key];
  return kept;
}
