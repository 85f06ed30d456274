import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { readWorkerConfig, type WorkerConfig } from '../config/worker-config';
import { runProcess } from '../process/run-process';

/**
 * Builds a worker as a Nest application context (no HTTP framework; the health port is a
 * plain server) and initialises it: connections open, topology declared, consumers start.
 */
export async function createWorkerContext(module: DynamicModule): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(module, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  await app.init();
  return app;
}

/** main.ts of a worker: validated configuration, then the context, stopped on SIGTERM. */
export function startWorker(service: string, defaults: { healthPort: number }, module: (config: WorkerConfig) => DynamicModule): void {
  void runProcess(service, async () => {
    const config = readWorkerConfig(process.env, defaults);
    const app = await createWorkerContext(module(config));
    return { stop: () => app.close() };
  });
}
