import 'reflect-metadata';
import { startWorker } from '@inbound/runtime';
import { INBOUND_WORKER, InboundWorkerModule } from './app/inbound-worker.module';

startWorker(INBOUND_WORKER, { healthPort: 3002 }, (config) => InboundWorkerModule.forRoot(config));
