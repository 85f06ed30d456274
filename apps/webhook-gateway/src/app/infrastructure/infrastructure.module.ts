import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createDataSource } from '@inbound/domain';
import { ConfirmedPublisher, declareTopology } from '@inbound/messaging';
import { createMetricsRegistry } from '@inbound/runtime';
import { Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const DATA_SOURCE = Symbol('DATA_SOURCE');

/** Both connections open at start (else not ready) and close last, after the HTTP server finished its calls. */
@Injectable()
export class ConnectionLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly publisher: ConfirmedPublisher,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.initialize();
    await this.publisher.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const registry = createMetricsRegistry('webhook-gateway');
    const confirmLatency = new Histogram({
      name: 'gateway_publish_confirm_seconds',
      help: 'Time from publish to the broker confirm, by outcome',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    return {
      module: InfrastructureModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: DATA_SOURCE, useFactory: () => createDataSource({ url: config.databaseUrl, poolSize: 10 }) },
        {
          provide: ConfirmedPublisher,
          useFactory: () =>
            new ConfirmedPublisher({
              url: config.rabbitmqUrl,
              confirmTimeoutMs: config.publishConfirmTimeoutMs,
              // A gateway that starts before any worker on a fresh vhost must not route confirmed events nowhere.
              // The retry queues are the workers' own.
              setup: (channel) => declareTopology(channel, []),
              onConfirm: (seconds, outcome) => confirmLatency.observe({ outcome }, seconds),
            }),
        },
        ConnectionLifecycle,
      ],
      exports: [GATEWAY_CONFIG, METRICS_REGISTRY, DATA_SOURCE, ConfirmedPublisher],
    };
  }
}
