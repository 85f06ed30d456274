import { Module, type DynamicModule } from '@nestjs/common';
import { STATUS_TOPOLOGY } from '@inbound/messaging';
import { loggerParams, WorkerInfrastructureModule, type WorkerConfig } from '@inbound/runtime';
import { LoggerModule } from 'nestjs-pino';
import { StatusBatchApplier } from './apply/status-batch.applier';
import { StatusUpdateConsumer } from './consumer/status-update.consumer';
import { StatusWorkerMetrics } from './metrics/status-worker.metrics';

export const STATUS_WORKER = 'status-worker';

@Module({})
export class StatusWorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: StatusWorkerModule,
      imports: [
        LoggerModule.forRoot(loggerParams(STATUS_WORKER, config.logLevel)),
        WorkerInfrastructureModule.forRoot({ service: STATUS_WORKER, config, topology: STATUS_TOPOLOGY }),
      ],
      providers: [StatusWorkerMetrics, StatusBatchApplier, StatusUpdateConsumer],
    };
  }
}
