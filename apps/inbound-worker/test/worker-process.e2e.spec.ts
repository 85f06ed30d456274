import { INBOUND_QUEUE } from '@inbound/contracts';
import { describeWorkerProcess } from '@inbound/testing';

describeWorkerProcess('inbound-worker', INBOUND_QUEUE, [
  [{ ACCOUNT_API_URL: 'ftp://accounts.internal' }, 'Invalid configuration: ACCOUNT_API_URL must use http or https, not ftp'],
  [{ ACCOUNT_API_URL: 'accounts.internal' }, 'Invalid configuration: ACCOUNT_API_URL must be a URL (http or https)'],
  [{ CONTACT_LOOKUP_TIMEOUT_MS: '1s' }, 'Invalid configuration: CONTACT_LOOKUP_TIMEOUT_MS must be an integer from 10 to 60000 (got "1s")'],
]);
