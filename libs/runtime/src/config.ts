// The configuration declarations and readers without the rest of the library (no Nest), for
// tools/db/migrate.ts, which is bundled on its own.
export * from './lib/config/env-reader';
export * from './lib/config/env-variable';
export * from './lib/config/common-config';
export * from './lib/config/worker-config';
export * from './lib/config/credentials-keys';
export * from './lib/config/gateway-variables';
export * from './lib/config/status-worker-variables';
export * from './lib/config/inbound-worker-variables';
export * from './lib/config/event-dispatcher-variables';
export * from './lib/config/deployable-variables';
