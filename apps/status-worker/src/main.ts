import 'reflect-metadata';
import { createWorkerContext, readWorkerConfig, runProcess } from '@inbound/runtime';
import { STATUS_WORKER, STATUS_WORKER_DEFAULTS, StatusWorkerModule } from './app/status-worker.module';

// startWorker would apply the shared PREFETCH_COUNT default; this worker has its own.
void runProcess(STATUS_WORKER, async () => {
  const config = readWorkerConfig(process.env, STATUS_WORKER_DEFAULTS);
  const app = await createWorkerContext(StatusWorkerModule.forRoot(config));
  return { stop: () => app.close() };
});
