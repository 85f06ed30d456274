import 'reflect-metadata';
import { createWorkerContext, readEventDispatcherConfig, runProcess } from '@inbound/runtime';
import { EVENT_DISPATCHER, EventDispatcherModule } from './app/event-dispatcher.module';

void runProcess(EVENT_DISPATCHER, async () => {
  const config = readEventDispatcherConfig(process.env);
  const app = await createWorkerContext(EventDispatcherModule.forRoot(config));
  return { stop: () => app.close() };
});
