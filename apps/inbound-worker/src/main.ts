import 'reflect-metadata';
import { createWorkerContext, runProcess } from '@inbound/runtime';
import { readInboundWorkerConfig } from './app/config/inbound-worker-config';
import { INBOUND_WORKER, InboundWorkerModule } from './app/inbound-worker.module';

void runProcess(INBOUND_WORKER, async () => {
  const config = readInboundWorkerConfig(process.env);
  const app = await createWorkerContext(InboundWorkerModule.forRoot(config));
  return { stop: () => app.close() };
});
