import 'reflect-metadata';
import { createWorkerContext, readWorkerConfig, runProcess, STATUS_WORKER_DEFAULTS } from '@inbound/runtime';
import { STATUS_WORKER, StatusWorkerModule } from './app/status-worker.module';

void runProcess(STATUS_WORKER, async () => {
  const config = readWorkerConfig(process.env, STATUS_WORKER_DEFAULTS);
  const app = await createWorkerContext(StatusWorkerModule.forRoot(config));
  return { stop: () => app.close() };
});
