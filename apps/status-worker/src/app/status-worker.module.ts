import { Module, type DynamicModule } from '@nestjs/common';
import { STATUS_TOPOLOGY } from '@inbound/messaging';
import { loggerParams, WorkerInfrastructureModule, type WorkerConfig } from '@inbound/runtime';
import { LoggerModule } from 'nestjs-pino';

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
    };
  }
}
