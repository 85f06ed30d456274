import 'reflect-metadata';
import { createWorkerContext, readWorkerConfig, runProcess } from '@inbound/runtime';
import { STATUS_WORKER, STATUS_WORKER_DEFAULTS, StatusWorkerModule } from './app/status-worker.module';

// This worker has its own PREFETCH_COUNT default (STATUS_WORKER_DEFAULTS).
void runProcess(STATUS_WORKER, async () => {
  const config = readWorkerConfig(process.env, STATUS_WORKER_DEFAULTS);
  const app = await createWorkerContext(StatusWorkerModule.forRoot(config));
  return { stop: () => app.close() };
});
