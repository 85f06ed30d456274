import { Inject, Injectable, Logger } from '@nestjs/common';
import { isOutboundEnvelope, type OutboundEventEnvelope } from '@inbound/contracts';
import { FailureRouter } from '@inbound/messaging';
import {
  describeDatabaseError,
  throwIfDatabaseUnreachable,
  WorkerConsumer,
  type EventDispatcherConfig,
  type Settlement,
} from '@inbound/runtime';
import type { ConsumeMessage } from 'amqplib';
import { DeliveryExecutor } from '../delivery/delivery-executor';
import { DeliveryStore, type NewDelivery } from '../delivery/delivery-store';
import { DISPATCHER_CONFIG } from '../delivery/dispatcher-tokens';
import { leaseMs } from '../delivery/due-delivery-poller';
import { EventDispatcherMetrics } from '../metrics/event-dispatcher.metrics';
import { subscribesTo, SubscriptionDirectory } from '../subscriptions/subscription-directory';

/**
 * One batch of `webhook.outbound`: each event becomes one delivery per enabled subscription of its account that wants
 * its type, recorded (and leased to this process) before the ack; the first attempts start right after.
 */
@Injectable()
export class OutboundEventProcessor {
  private readonly logger = new Logger(OutboundEventProcessor.name);

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: EventDispatcherConfig,
    private readonly directory: SubscriptionDirectory,
    private readonly store: DeliveryStore,
    private readonly executor: DeliveryExecutor,
    private readonly failures: FailureRouter,
    private readonly consumer: WorkerConsumer,
    private readonly metrics: EventDispatcherMetrics,
  ) {}

  async process(messages: readonly ConsumeMessage[]): Promise<Settlement[]> {
    this.metrics.batchSize.observe(messages.length);
    const settlements: Array<Promise<Settlement>> = [];
    const events: Array<{ index: number; envelope: OutboundEventEnvelope; payload: string }> = [];
    messages.forEach((message, index) => {
      const envelope = parseEnvelope(message.content);
      if (envelope) events.push({ index, envelope, payload: message.content.toString('utf8') });
      else settlements[index] = this.deadLetter(message, 'invalid event: not an outbound event envelope');
    });
    try {
      const subscriptions = await this.directory.enabledForAccounts(events.map(({ envelope }) => envelope.account_id));
      const deliveries: NewDelivery[] = [];
      for (const { envelope, payload } of events) {
        for (const subscription of subscriptions) {
          if (subscription.account_id !== envelope.account_id || !subscribesTo(subscription, envelope.type)) continue;
          deliveries.push({
            subscription_id: subscription.id,
            account_id: envelope.account_id,
            event_id: envelope.id,
            event_type: envelope.type,
            payload,
          });
        }
      }
      const created = await this.store.create(deliveries, leaseMs(this.config));
      this.metrics.deliveriesCreated.inc(created.length);
      this.executor.submit(created);
      for (const { index } of events) settlements[index] = Promise.resolve('ack');
    } catch (error) {
      await throwIfDatabaseUnreachable(error, () => this.consumer.databaseReachable());
      const reason = `database refused the batch: ${describeDatabaseError(error)}`;
      this.logger.warn(reason);
      for (const { index } of events) settlements[index] = this.retry(messages[index], reason);
    }
    return Promise.all(settlements);
  }

  private async deadLetter(message: ConsumeMessage, reason: string): Promise<Settlement> {
    try {
      await this.failures.deadLetter(message, reason);
      this.metrics.deadLettered.inc({ reason: 'invalid' });
      return 'ack';
    } catch {
      return 'reject';
    }
  }

  private async retry(message: ConsumeMessage, reason: string): Promise<Settlement> {
    try {
      const outcome = await this.failures.retry(message, reason);
      if (outcome.action === 'retried') this.metrics.retried.inc({ reason: 'database' });
      else this.metrics.deadLettered.inc({ reason: 'database' });
      return 'ack';
    } catch {
      return 'reject';
    }
  }
}

function parseEnvelope(content: Buffer): OutboundEventEnvelope | null {
  try {
    const value: unknown = JSON.parse(content.toString('utf8'));
    return isOutboundEnvelope(value) ? value : null;
  } catch {
    return null;
  }
}
