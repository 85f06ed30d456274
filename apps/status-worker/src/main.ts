import 'reflect-metadata';
import { startWorker } from '@inbound/runtime';
import { STATUS_WORKER, StatusWorkerModule } from './app/status-worker.module';

startWorker(STATUS_WORKER, { healthPort: 3001 }, (config) => StatusWorkerModule.forRoot(config));
