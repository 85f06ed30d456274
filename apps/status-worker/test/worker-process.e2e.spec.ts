import { STATUS_QUEUE } from '@inbound/messaging';
import { describeWorkerProcess } from '@inbound/testing';

describeWorkerProcess('status-worker', STATUS_QUEUE);
