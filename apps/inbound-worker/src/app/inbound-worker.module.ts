import { Module, type DynamicModule } from '@nestjs/common';
import { INBOUND_TOPOLOGY } from '@inbound/messaging';
import { loggerParams, WorkerInfrastructureModule, type WorkerConfig } from '@inbound/runtime';
import { LoggerModule } from 'nestjs-pino';

export const INBOUND_WORKER = 'inbound-worker';

@Module({})
export class InboundWorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: InboundWorkerModule,
      imports: [
        LoggerModule.forRoot(loggerParams(INBOUND_WORKER, config.logLevel)),
        WorkerInfrastructureModule.forRoot({ service: INBOUND_WORKER, config, topology: INBOUND_TOPOLOGY }),
      ],
    };
  }
}
