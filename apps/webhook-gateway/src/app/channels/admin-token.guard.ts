import { CanActivate, ExecutionContext, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Without ADMIN_API_TOKEN the API does not exist (404); tokens compared as SHA-256 digests, so no length leaks either. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.expected = config.adminApiToken === undefined ? undefined : digest(config.adminApiToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new NotFoundException();
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization ?? '';
    // Authentication schemes are case-insensitive (RFC 9110, section 11.1).
    const match = /^Bearer +(\S.*)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]), this.expected)) {
      throw new UnauthorizedException({ error: 'unauthorized', message: 'a valid bearer token is required' });
    }
    return true;
  }
}
