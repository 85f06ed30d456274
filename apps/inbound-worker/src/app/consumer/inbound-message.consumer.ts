import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { WORKER_CONFIG, WorkerConsumer, type WorkerConfig } from '@inbound/runtime';
import { InboundBatchProcessor } from './inbound-batch.processor';

/** Batches in flight at once: one being written while the next one gathers and resolves contacts. */
const CONCURRENT_BATCHES = 2;

/** Starts the worker's consumer of `webhook.inbound` with InboundBatchProcessor handling each batch. */
@Injectable()
export class InboundMessageConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly consumer: WorkerConsumer,
    private readonly processor: InboundBatchProcessor,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Bootstrap runs after every onModuleInit: the DataSource is open and the topology declared.
    await this.consumer.start((messages) => this.processor.process(messages), {
      // Never more than the broker lets us hold: one prefetch window per batch at most.
      maxBatchSize: this.config.prefetchCount,
      maxConcurrentBatches: CONCURRENT_BATCHES,
    });
  }
}
