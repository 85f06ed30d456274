import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

export const REALTIME_TOKEN_TTL = { defaultSeconds: 900, maxSeconds: 86_400 } as const;

const VERSION = 'rt1';

/**
 * Short-lived tokens of the realtime stream, scoped to one account: `rt1.<payload>.<HMAC-SHA256>`, base64url. Stateless,
 * so any replica sharing REALTIME_TOKEN_SECRET accepts a token another one minted.
 */
@Injectable()
export class RealtimeTokens {
  private readonly key: Buffer;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    // Outside production an unset secret is a random one: tokens then only work on the replica that minted them.
    this.key = config.realtimeTokenSecret ? Buffer.from(config.realtimeTokenSecret, 'utf8') : randomBytes(32);
  }

  mint(accountId: string, ttlSeconds: number, now = Date.now()): { token: string; expires_at: string } {
    const expiresAt = Math.floor(now / 1000) + ttlSeconds;
    const payload = Buffer.from(JSON.stringify({ a: accountId, e: expiresAt })).toString('base64url');
    return { token: `${VERSION}.${payload}.${this.sign(payload)}`, expires_at: new Date(expiresAt * 1000).toISOString() };
  }

  /** The account a valid, unexpired token is for; null for anything else. */
  verify(token: unknown, now = Date.now()): string | null {
    if (typeof token !== 'string' || token.length > 1024) return null;
    const [version, payload, signature, ...rest] = token.split('.');
    if (version !== VERSION || !payload || !signature || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(payload));
    const presented = Buffer.from(signature);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { a?: unknown; e?: unknown };
      if (typeof claims.a !== 'string' || typeof claims.e !== 'number' || claims.e * 1000 <= now) return null;
      return claims.a;
    } catch {
      return null;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(`${VERSION}.${payload}`).digest('base64url');
  }
}
