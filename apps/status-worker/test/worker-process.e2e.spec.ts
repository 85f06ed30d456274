import { STATUS_QUEUE } from '@inbound/contracts';
import { describeWorkerProcess } from '@inbound/testing';

describeWorkerProcess('status-worker', STATUS_QUEUE);
