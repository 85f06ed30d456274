import type { Provider } from '@nestjs/common';
import type { InboundWorkerConfig } from '../config/inbound-worker-config';
import { InboundWorkerMetrics } from '../metrics/inbound-worker.metrics';
import { ContactResolver } from './contact-resolver';

/** The ContactResolver, or null when ACCOUNT_API_URL is unset (no contact resolution). */
export const CONTACT_RESOLVER = Symbol('CONTACT_RESOLVER');

export function contactResolverProvider(config: InboundWorkerConfig): Provider {
  return {
    provide: CONTACT_RESOLVER,
    useFactory: (metrics: InboundWorkerMetrics) =>
      config.contactLookup ? new ContactResolver({ ...config.contactLookup, onLookup: (outcome) => metrics.countLookup(outcome) }) : null,
    inject: [InboundWorkerMetrics],
  };
}
