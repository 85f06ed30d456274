import { COMMON_VARIABLES } from './common-config';
import { CREDENTIALS_KEY_VARIABLES } from './credentials-keys';
import type { EnvVariable } from './env-variable';
import { EVENT_DISPATCHER_DEFAULTS, EVENT_DISPATCHER_VARIABLES } from './event-dispatcher-variables';
import { GATEWAY_VARIABLES, OUTBOUND_DESTINATION_VARIABLES, providerVariables, type ProviderSettings } from './gateway-variables';
import { CONTACT_LOOKUP_VARIABLES, INBOUND_WORKER_DEFAULTS } from './inbound-worker-variables';
import { STATUS_WORKER_DEFAULTS } from './status-worker-variables';
import { workerVariables } from './worker-config';

export const DEPLOYABLES = ['webhook-gateway', 'status-worker', 'inbound-worker', 'event-dispatcher', 'migrate'] as const;
export type Deployable = (typeof DEPLOYABLES)[number];

/** `migrate` is tools/db/migrate.ts; the gateway also reads the variables its providers name. */
export function deployableVariables(providers: ProviderSettings): Record<Deployable, readonly EnvVariable[]> {
  const { apiBaseUrls, bodyLimits, developmentFiles } = providerVariables(providers);
  return {
    'webhook-gateway': [
      ...Object.values(COMMON_VARIABLES),
      ...Object.values(GATEWAY_VARIABLES),
      ...Object.values(CREDENTIALS_KEY_VARIABLES),
      ...apiBaseUrls,
      ...bodyLimits,
      ...developmentFiles,
    ],
    'status-worker': [...Object.values(COMMON_VARIABLES), ...Object.values(workerVariables(STATUS_WORKER_DEFAULTS))],
    'inbound-worker': [
      ...Object.values(COMMON_VARIABLES),
      ...Object.values(workerVariables(INBOUND_WORKER_DEFAULTS)),
      ...Object.values(CONTACT_LOOKUP_VARIABLES),
    ],
    'event-dispatcher': [
      ...Object.values(COMMON_VARIABLES),
      ...Object.values(workerVariables(EVENT_DISPATCHER_DEFAULTS)),
      ...Object.values(EVENT_DISPATCHER_VARIABLES),
      ...Object.values(OUTBOUND_DESTINATION_VARIABLES),
      ...Object.values(CREDENTIALS_KEY_VARIABLES),
    ],
    migrate: [COMMON_VARIABLES.databaseUrl],
  };
}
