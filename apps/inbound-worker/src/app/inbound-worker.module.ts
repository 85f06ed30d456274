import { Module, type DynamicModule } from '@nestjs/common';
import { INBOUND_TOPOLOGY } from '@inbound/messaging';
import { loggerParams, WorkerInfrastructureModule } from '@inbound/runtime';
import { LoggerModule } from 'nestjs-pino';
import type { InboundWorkerConfig } from './config/inbound-worker-config';
import { InboundBatchProcessor } from './consumer/inbound-batch.processor';
import { InboundMessageConsumer } from './consumer/inbound-message.consumer';
import { contactResolverProvider } from './contacts/contact-resolver.provider';
import { InboundWorkerMetrics } from './metrics/inbound-worker.metrics';
import { InboundMessageWriter } from './persistence/inbound-message.writer';

export const INBOUND_WORKER = 'inbound-worker';

@Module({})
export class InboundWorkerModule {
  static forRoot(config: InboundWorkerConfig): DynamicModule {
    return {
      module: InboundWorkerModule,
      imports: [
        LoggerModule.forRoot(loggerParams(INBOUND_WORKER, config.logLevel)),
        WorkerInfrastructureModule.forRoot({ service: INBOUND_WORKER, config, topology: INBOUND_TOPOLOGY }),
      ],
      providers: [
        InboundWorkerMetrics,
        contactResolverProvider(config),
        InboundMessageWriter,
        InboundBatchProcessor,
        InboundMessageConsumer,
      ],
    };
  }
}
