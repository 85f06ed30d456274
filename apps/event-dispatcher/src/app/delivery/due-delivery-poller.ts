import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventDispatcherConfig } from '@inbound/runtime';
import { DELIVERY_DEFAULTS } from '@inbound/webhook-delivery';
import { setTimeout as delay } from 'node:timers/promises';
import { DeliveryExecutor } from './delivery-executor';
import { DeliveryLogWriter } from './delivery-log.writer';
import { DeliveryStore } from './delivery-store';
import { DISPATCHER_CONFIG } from './dispatcher-tokens';

/** Most deliveries claimed by one poll. */
const CLAIM_LIMIT = 500;

/** A lease outlives a few attempts' deadlines; a process that stops holding it frees its deliveries within this. */
export function leaseMs(config: Pick<EventDispatcherConfig, 'deliveryTimeoutMs'>): number {
  return Math.max(60_000, 3 * (config.deliveryTimeoutMs ?? DELIVERY_DEFAULTS.timeoutMs));
}

/**
 * Claims what is due from the table (retries, deliveries a stopped process held, deliveries given back) and keeps the
 * leases of what waits here alive. The table is the schedule, so retries survive restarts of every process.
 */
@Injectable()
export class DueDeliveryPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DueDeliveryPoller.name);
  private running?: Promise<void>;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: EventDispatcherConfig,
    private readonly store: DeliveryStore,
    private readonly executor: DeliveryExecutor,
    private readonly log: DeliveryLogWriter,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.loop();
  }

  /** Before the database and the broker close: attempts in flight finish and are written down. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
    await this.executor.stop();
    await this.log.drain();
  }

  private async loop(): Promise<void> {
    const lease = leaseMs(this.config);
    let lastRenewal = Date.now();
    while (!this.stopped) {
      let claimed = 0;
      try {
        if (Date.now() - lastRenewal > lease / 3) {
          await this.store.renewLeases(this.executor.heldIds(), lease);
          lastRenewal = Date.now();
        }
        const due = await this.store.claimDue(Math.min(CLAIM_LIMIT, this.executor.capacity), this.executor.busySubscriptions(), lease);
        claimed = due.length;
        this.executor.submit(due);
      } catch (error) {
        this.logger.warn(`polling for due deliveries failed: ${(error as Error).message}`);
      }
      if (claimed < CLAIM_LIMIT) await delay(this.config.pollIntervalMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }
}
