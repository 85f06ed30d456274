import { OUTBOUND_QUEUE } from '@inbound/contracts';
import { describeWorkerProcess } from '@inbound/testing';
import { randomBytes } from 'node:crypto';

describeWorkerProcess(
  'event-dispatcher',
  OUTBOUND_QUEUE,
  [
    [{ CREDENTIALS_KEY: '' }, 'Invalid configuration: CREDENTIALS_KEY is required when NODE_ENV=production'],
    [{ DELIVERY_TIMEOUT_MS: '10s' }, 'Invalid configuration: DELIVERY_TIMEOUT_MS must be an integer from 100 to 60000 (got "10s")'],
    [{ OUTBOX_RETENTION_HOURS: '1' }, 'Invalid configuration: OUTBOX_RETENTION_HOURS must be an integer from 24 to 8760 (got "1")'],
  ],
  // Subscription secrets are sealed; production (the default) refuses to start without the key.
  { CREDENTIALS_KEY: randomBytes(32).toString('base64') },
);
