import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { WORKER_CONFIG, WorkerConsumer, type WorkerConfig } from '@inbound/runtime';
import { OutboundEventProcessor } from './outbound-event.processor';

/** Starts consuming `webhook.outbound` once every module is ready. */
@Injectable()
export class OutboundEventConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly consumer: WorkerConsumer,
    private readonly processor: OutboundEventProcessor,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start((messages) => this.processor.process(messages), {
      maxBatchSize: Math.max(1, Math.floor(this.config.prefetchCount / 2)),
      maxConcurrentBatches: 2,
    });
  }
}
