import { Inject, Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { checkDestination, SubscriptionInputError, type DestinationRules } from './subscription-input.util';

/** Every address a host name resolves to (subscriptions.module.ts: the system resolver). */
export type HostLookup = (host: string) => Promise<string[]>;
export const HOST_LOOKUP = Symbol('HOST_LOOKUP');

/** Longest wait for a host's addresses before the URL is refused. */
const LOOKUP_TIMEOUT_MS = 5_000;

/**
 * Decides whether a subscriber URL may be stored: its host, or every address its name
 * resolves to now, must be allowed. The later dispatcher checks again when it connects.
 */
@Injectable()
export class SubscriberDestination {
  private readonly rules: DestinationRules;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(HOST_LOOKUP) private readonly lookup: HostLookup,
  ) {
    this.rules = { allowPrivateNetworks: config.outboundAllowPrivateUrls, requireHttps: config.nodeEnv === 'production' };
  }

  async check(url: URL, host: string): Promise<void> {
    const addresses = isIP(host) ? [host] : await this.resolve(host);
    checkDestination(url, addresses, this.rules);
  }

  private async resolve(host: string): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('lookup timed out')), LOOKUP_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.lookup(host), timeout]);
    } catch {
      throw new SubscriptionInputError('url', `url host ${host} could not be resolved`);
    } finally {
      clearTimeout(timer);
    }
  }
}
