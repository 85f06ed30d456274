import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { declareQueueTopology, FailureRouter, retryDelays, type QueueTopology } from '@inbound/messaging';
import type { ConsumeMessage } from 'amqplib';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { WorkerConfig } from '../config/worker-config';
import { BatchedConsumer, type ConsumerState, type Settlement } from '../consumer/batched-consumer';
import { postgresReadiness } from '../health/readiness';
import { WORKER_CONFIG, WORKER_DATA_SOURCE, WORKER_METRICS, WORKER_TOPOLOGY } from './worker-tokens';

const STATES: readonly ConsumerState[] = ['starting', 'consuming', 'paused', 'resubscribing', 'stopped'];

/** A database probe never waits longer than this: a partitioned host must read as down, not hang. */
const DATABASE_PROBE_TIMEOUT_MS = 2_000;

export interface WorkerBatching {
  maxBatchSize: number;
  maxConcurrentBatches: number;
  busyLingerMs?: number;
}

/** Started by the worker once ready; shutdown stops it before the publisher and the database close. */
@Injectable()
export class WorkerConsumer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerConsumer.name);
  private consumer?: BatchedConsumer;
  private readonly state: Gauge<'state'>;
  private readonly resubscriptions: Counter<'reason'>;
  private readonly reachable: () => Promise<boolean>;

  constructor(
    private readonly amqp: AmqpConnection,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_TOPOLOGY) private readonly topology: QueueTopology,
    @Inject(WORKER_DATA_SOURCE) dataSource: DataSource,
    @Inject(WORKER_METRICS) registry: Registry,
    private readonly failures: FailureRouter,
  ) {
    this.reachable = postgresReadiness(dataSource);
    const registers = [registry];
    this.state = new Gauge({
      name: 'worker_consumer_state',
      help: 'The consumer state: 1 for the current one',
      labelNames: ['state'],
      registers,
    });
    this.resubscriptions = new Counter({
      name: 'worker_consumer_resubscriptions_total',
      help: 'Subscriptions after the first: consumer cancelled, channel or connection lost, database back',
      labelNames: ['reason'],
      registers,
    });
    this.showState('starting');
  }

  get isConsuming(): boolean {
    return this.consumer?.isConsuming ?? false;
  }

  /** Whether PostgreSQL answers now: tells a failing database from a failing event. */
  databaseReachable(): Promise<boolean> {
    return withTimeout(this.reachable(), DATABASE_PROBE_TIMEOUT_MS);
  }

  async start(handle: (messages: readonly ConsumeMessage[]) => Promise<Settlement[]>, batching: WorkerBatching): Promise<void> {
    const delays = retryDelays(this.config.retryFirstDelayMs, this.config.retryWindowMs);
    this.consumer = new BatchedConsumer(this.amqp.managedConnection, {
      queue: this.topology.queue,
      prefetchCount: this.config.prefetchCount,
      ...batching,
      handle,
      databaseReachable: () => this.databaseReachable(),
      declare: (channel) => declareQueueTopology(channel, this.topology, delays),
      release: (message) => this.failures.requeue(message),
      holdLimitMs: this.config.pauseHoldLimitMs,
      logger: this.logger,
      onStateChange: (state) => this.showState(state),
      onResubscribe: (reason) => this.resubscriptions.inc({ reason }),
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private showState(current: ConsumerState): void {
    for (const state of STATES) this.state.set({ state }, state === current ? 1 : 0);
  }
}

async function withTimeout(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check.catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
