import { AmqpConnection, RabbitMQModule } from '@golevelup/nestjs-rabbitmq';
import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createDataSource } from '@inbound/domain';
import {
  ConfirmedPublisher,
  declareQueueTopology,
  FailureRouter,
  retryDelays,
  workerRabbitConfig,
  type QueueTopology,
} from '@inbound/messaging';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { WorkerConfig } from '../config/worker-config';
import { startHealthServer } from '../health/health-server';
import { postgresReadiness } from '../health/readiness';
import { createMetricsRegistry } from '../metrics/metrics-registry';
import { WorkerConsumer } from './worker-consumer';
import { WORKER_CONFIG, WORKER_DATA_SOURCE, WORKER_METRICS, WORKER_SERVICE, WORKER_TOPOLOGY } from './worker-tokens';

export { WORKER_CONFIG, WORKER_DATA_SOURCE, WORKER_METRICS, WORKER_SERVICE, WORKER_TOPOLOGY } from './worker-tokens';

export interface WorkerInfrastructureOptions {
  service: string;
  config: WorkerConfig;
  /** The queue this worker consumes, with its exchange and binding. */
  topology: QueueTopology;
}

/** PostgreSQL, the queue topology, a confirmed publisher for retries and dead-letters, the health port; closed in reverse. */
@Injectable()
export class WorkerLifecycle implements OnModuleInit, OnApplicationShutdown {
  private closeHealth?: () => Promise<void>;
  healthPort?: number;

  constructor(
    @Inject(WORKER_SERVICE) private readonly service: string,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(WORKER_METRICS) private readonly registry: Registry,
    private readonly amqp: AmqpConnection,
    private readonly publisher: ConfirmedPublisher,
    private readonly consumer: WorkerConsumer,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.initialize();
    // Connecting declares the queue topology (the publisher's setup), and so does the consumer
    // on every channel it opens.
    await this.publisher.connect();
    const health = await startHealthServer({
      port: this.config.healthPort,
      service: this.service,
      registry: this.registry,
      checks: this.readinessChecks(),
    });
    this.healthPort = health.port;
    this.closeHealth = health.close;
  }

  readinessChecks() {
    return {
      postgres: postgresReadiness(this.dataSource),
      rabbitmq: async () => this.amqp.managedConnection.isConnected(),
      // Not consuming: starting, paused while PostgreSQL is away, or subscribing again.
      consumer: async () => this.consumer.isConsuming,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.closeHealth?.();
    await this.publisher.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Global()
@Module({})
export class WorkerInfrastructureModule {
  static forRoot(options: WorkerInfrastructureOptions): DynamicModule {
    const { config, topology } = options;
    const delays = retryDelays(config.retryFirstDelayMs, config.retryWindowMs);
    return {
      module: WorkerInfrastructureModule,
      imports: [RabbitMQModule.forRoot(workerRabbitConfig({ url: config.rabbitmqUrl, prefetchCount: config.prefetchCount }))],
      providers: [
        { provide: WORKER_SERVICE, useValue: options.service },
        { provide: WORKER_CONFIG, useValue: config },
        { provide: WORKER_TOPOLOGY, useValue: topology },
        { provide: WORKER_METRICS, useValue: createMetricsRegistry(options.service) },
        { provide: WORKER_DATA_SOURCE, useFactory: () => createDataSource({ url: config.databaseUrl, poolSize: config.databasePoolSize }) },
        {
          provide: ConfirmedPublisher,
          // The retry and dead-letter queues it publishes to are declared on each (re)connect.
          useFactory: () =>
            new ConfirmedPublisher({ url: config.rabbitmqUrl, setup: (channel) => declareQueueTopology(channel, topology, delays) }),
        },
        {
          provide: FailureRouter,
          useFactory: (publisher: ConfirmedPublisher) => new FailureRouter(publisher, topology.queue, delays),
          inject: [ConfirmedPublisher],
        },
        WorkerConsumer,
        WorkerLifecycle,
      ],
      exports: [
        WORKER_CONFIG,
        WORKER_TOPOLOGY,
        WORKER_METRICS,
        WORKER_DATA_SOURCE,
        ConfirmedPublisher,
        FailureRouter,
        WorkerConsumer,
        WorkerLifecycle,
        RabbitMQModule,
      ],
    };
  }
}
