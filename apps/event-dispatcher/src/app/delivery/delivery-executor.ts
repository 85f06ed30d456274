import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventDispatcherConfig } from '@inbound/runtime';
import { deliveryHeaders, nextAttemptDelayMs, WebhookSender, type DeliveryOutcome } from '@inbound/webhook-delivery';
import { EventDispatcherMetrics } from '../metrics/event-dispatcher.metrics';
import { SubscriptionDirectory, type SubscriptionTarget } from '../subscriptions/subscription-directory';
import { DeliveryLogWriter } from './delivery-log.writer';
import { DeliveryStore, type AttemptRecord, type HeldDelivery } from './delivery-store';
import { EndpointCircuit } from './endpoint-circuit';
import { DISPATCHER_CONFIG } from './dispatcher-tokens';

/** Deliveries one subscription may have waiting in this process; beyond it they stay in the table until there is room. */
export const MAX_HELD_PER_SUBSCRIPTION = 200;

interface SubscriptionLane {
  waiting: HeldDelivery[];
  inFlight: number;
  circuit: EndpointCircuit;
  loggedOpenUntil?: number;
}

/**
 * Runs attempts with two bounds: DELIVERY_CONCURRENCY in all and DELIVERY_SUBSCRIPTION_CONCURRENCY per subscription, so an
 * endpoint that hangs holds only its own lane. A lane's circuit opens after repeated failures: its deliveries go back to
 * the table, due at the probe time, and one probe decides when attempts resume.
 */
@Injectable()
export class DeliveryExecutor {
  private readonly logger = new Logger(DeliveryExecutor.name);
  private readonly lanes = new Map<string, SubscriptionLane>();
  private inFlight = 0;
  private held = 0;
  private stopping = false;
  private readonly idle = new Set<() => void>();

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: EventDispatcherConfig,
    private readonly sender: WebhookSender,
    private readonly directory: SubscriptionDirectory,
    private readonly store: DeliveryStore,
    private readonly log: DeliveryLogWriter,
    private readonly metrics: EventDispatcherMetrics,
  ) {}

  /** Deliveries whose lease this process holds and has not settled. */
  heldIds(): string[] {
    return [...this.lanes.values()].flatMap((lane) => lane.waiting.map((delivery) => delivery.id));
  }

  get heldCount(): number {
    return this.held;
  }

  /** Subscriptions the poller should not claim for now: lanes that are full or whose circuit is open. */
  busySubscriptions(): string[] {
    const busy: string[] = [];
    let open = 0;
    for (const [id, lane] of this.lanes) {
      if (lane.circuit.isOpen) open += 1;
      if (lane.waiting.length >= MAX_HELD_PER_SUBSCRIPTION || lane.circuit.isOpen) busy.push(id);
    }
    // Read once per poll here rather than after every attempt.
    this.metrics.openCircuits.set(open);
    return busy;
  }

  /** Room for more leased deliveries in this process. */
  get capacity(): number {
    return Math.max(0, this.config.concurrency * 4 - this.held);
  }

  submit(deliveries: readonly HeldDelivery[]): void {
    const overflow: string[] = [];
    for (const delivery of deliveries) {
      const lane = this.lane(delivery.subscription_id);
      if (this.stopping || lane.waiting.length >= MAX_HELD_PER_SUBSCRIPTION) {
        overflow.push(delivery.id);
        continue;
      }
      lane.waiting.push(delivery);
      this.held += 1;
    }
    this.metrics.held.set(this.held);
    if (overflow.length > 0) void this.giveBack(overflow, new Date());
    this.pump();
  }

  /** Stops taking work and waits for attempts in flight; what waits is given back to the table. */
  async stop(): Promise<void> {
    this.stopping = true;
    const waiting = [...this.lanes.values()].flatMap((lane) => lane.waiting.splice(0).map((delivery) => delivery.id));
    this.held -= waiting.length;
    await this.giveBack(waiting, new Date());
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
    this.sender.close();
  }

  private lane(subscriptionId: string): SubscriptionLane {
    let lane = this.lanes.get(subscriptionId);
    if (!lane) {
      lane = {
        waiting: [],
        inFlight: 0,
        circuit: new EndpointCircuit({ failureThreshold: this.config.circuitFailureThreshold, openMs: this.config.circuitOpenMs }),
      };
      this.lanes.set(subscriptionId, lane);
    }
    return lane;
  }

  private pump(): void {
    if (this.stopping) return;
    for (const [subscriptionId, lane] of this.lanes) {
      if (this.inFlight >= this.config.concurrency) break;
      while (lane.waiting.length > 0 && lane.inFlight < this.config.subscriptionConcurrency && this.inFlight < this.config.concurrency) {
        if (!lane.circuit.tryAcquire()) {
          if (lane.inFlight === 0) this.parkOpenLane(subscriptionId, lane);
          break;
        }
        const delivery = lane.waiting.shift() as HeldDelivery;
        lane.inFlight += 1;
        this.inFlight += 1;
        this.metrics.inFlight.set(this.inFlight);
        void this.attempt(delivery, lane)
          // A throw here is a bug (a stored secret that cannot sign, a metric): unhandled, the rejection would end the
          // process. Nothing is recorded: the lease runs out and the poller takes the delivery again, and the same bug
          // fails it again, logged each time, until the data or the code is mended.
          .catch((error: unknown) =>
            this.logger.error({ delivery_id: delivery.id, err: (error as Error)?.message ?? String(error) }, 'delivery attempt failed'),
          )
          .finally(() => {
            lane.inFlight -= 1;
            this.inFlight -= 1;
            this.held -= 1;
            this.metrics.inFlight.set(this.inFlight);
            this.metrics.held.set(this.held);
            // A lane whose circuit has counted failures stays: a failing endpoint that gets one delivery at a time (its own
            // retries) must still open its circuit.
            if (lane.waiting.length === 0 && lane.inFlight === 0 && lane.circuit.isAtRest) this.lanes.delete(subscriptionId);
            if (this.inFlight === 0) for (const resolve of this.idle) resolve();
            this.pump();
          });
      }
    }
  }

  /** An open circuit's deliveries wait in the table, not in memory, until the probe time. */
  private parkOpenLane(subscriptionId: string, lane: SubscriptionLane): void {
    const parked = lane.waiting.splice(0).map((delivery) => delivery.id);
    this.held -= parked.length;
    void this.giveBack(parked, new Date(lane.circuit.reopensAt));
    // Once per opening, not once per batch of events that arrives while it is open.
    if (lane.loggedOpenUntil !== lane.circuit.reopensAt) {
      lane.loggedOpenUntil = lane.circuit.reopensAt;
      this.logger.warn({ subscription_id: subscriptionId, until: new Date(lane.circuit.reopensAt).toISOString() }, 'circuit open');
    }
  }

  private async giveBack(ids: string[], dueAt: Date): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.store.release(ids, dueAt);
    } catch (error) {
      // Their leases run out and the poller takes them again.
      this.logger.warn(`could not give back ${ids.length} deliveries: ${(error as Error).message}`);
    }
  }

  private async attempt(delivery: HeldDelivery, lane: SubscriptionLane): Promise<void> {
    let target: SubscriptionTarget | null | undefined;
    try {
      target = (await this.directory.byIds([delivery.subscription_id])).get(delivery.subscription_id);
    } catch (error) {
      this.logger.warn(`subscription look-up failed: ${(error as Error).message}`);
      lane.circuit.succeeded(); // not the endpoint's fault: no probe is owed
      await this.giveBack([delivery.id], new Date(Date.now() + this.config.pollIntervalMs));
      return;
    }
    if (!target || !target.enabled) {
      // Deleted (its deliveries went with it) or disabled: attempts resume if it is enabled again.
      lane.circuit.succeeded();
      if (target) await this.giveBack([delivery.id], new Date());
      return;
    }
    const startedAt = new Date();
    const outcome = await this.sender.send({
      url: target.url,
      body: delivery.payload,
      headers: deliveryHeaders({
        eventId: delivery.event_id,
        eventType: delivery.event_type,
        timestampSeconds: Math.floor(startedAt.getTime() / 1000),
        body: delivery.payload,
        secrets: target.secrets,
      }),
    });
    if (outcome.ok) lane.circuit.succeeded();
    else lane.circuit.failed();
    const record = attemptRecord(delivery, target, startedAt, outcome);
    this.metrics.attempts.inc({ outcome: record.gone ? 'gone' : record.status, error_class: outcome.errorClass ?? 'none' });
    this.metrics.attemptSeconds.observe(outcome.durationMs / 1000);
    if (outcome.ok && delivery.attempts === 0 && delivery.event_created_at) {
      const latency = (Date.now() - Date.parse(delivery.event_created_at)) / 1000;
      if (Number.isFinite(latency) && latency >= 0) this.metrics.firstAttemptLatency.observe(latency);
    }
    // Not awaited: the lease keeps the delivery from being claimed again until the write lands.
    void this.log.add(record);
  }
}

/** What an answer means for the delivery (docs/OUTBOUND.md, "Attempts and retries"). */
export function attemptRecord(
  delivery: HeldDelivery,
  target: SubscriptionTarget,
  startedAt: Date,
  outcome: DeliveryOutcome,
): AttemptRecord {
  const attempt = delivery.attempts + 1;
  const base = {
    delivery_id: delivery.id,
    subscription_id: delivery.subscription_id,
    attempt,
    started_at: startedAt.toISOString(),
    response_status: outcome.status,
    response_body: outcome.status === null ? null : outcome.responseBody,
    error_class: outcome.errorClass,
    error: outcome.error ?? (outcome.ok ? null : `the endpoint answered ${outcome.status}`),
    duration_ms: outcome.durationMs,
  };
  if (outcome.ok) return { ...base, status: 'succeeded', next_attempt_at: null, gone: false };
  if (outcome.status === 410) return { ...base, status: 'dead', next_attempt_at: null, gone: true };
  const delay = nextAttemptDelayMs({ attemptsMade: attempt, policy: target.retry, retryAfterMs: outcome.retryAfterMs });
  if (delay === null) return { ...base, status: 'dead', next_attempt_at: null, gone: false };
  return {
    ...base,
    status: 'failed',
    next_attempt_at: new Date(startedAt.getTime() + outcome.durationMs + delay).toISOString(),
    gone: false,
  };
}
