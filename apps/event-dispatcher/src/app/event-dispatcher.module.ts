import { Module, type DynamicModule } from '@nestjs/common';
import { CredentialsCipher } from '@inbound/domain';
import { OUTBOUND_TOPOLOGY } from '@inbound/messaging';
import { loggerParams, WorkerInfrastructureModule, type EventDispatcherConfig } from '@inbound/runtime';
import { WebhookSender } from '@inbound/webhook-delivery';
import { LoggerModule } from 'nestjs-pino';
import { OutboundEventConsumer } from './consumer/outbound-event.consumer';
import { OutboundEventProcessor } from './consumer/outbound-event.processor';
import { DeliveryExecutor } from './delivery/delivery-executor';
import { DeliveryLogWriter } from './delivery/delivery-log.writer';
import { DeliveryStore } from './delivery/delivery-store';
import { DISPATCHER_CONFIG } from './delivery/dispatcher-tokens';
import { DueDeliveryPoller } from './delivery/due-delivery-poller';
import { EventDispatcherMetrics } from './metrics/event-dispatcher.metrics';
import { OutboxRelay } from './relay/outbox-relay';
import { SubscriptionDirectory } from './subscriptions/subscription-directory';

export const EVENT_DISPATCHER = 'event-dispatcher';

@Module({})
export class EventDispatcherModule {
  static forRoot(config: EventDispatcherConfig): DynamicModule {
    return {
      module: EventDispatcherModule,
      imports: [
        LoggerModule.forRoot(loggerParams(EVENT_DISPATCHER, config.logLevel)),
        WorkerInfrastructureModule.forRoot({ service: EVENT_DISPATCHER, config, topology: OUTBOUND_TOPOLOGY }),
      ],
      providers: [
        { provide: DISPATCHER_CONFIG, useValue: config },
        {
          provide: CredentialsCipher,
          useFactory: () =>
            new CredentialsCipher(config.credentialsKeys.current, config.credentialsKeys.previous, {
              refusePlain: config.nodeEnv === 'production',
            }),
        },
        {
          provide: WebhookSender,
          useFactory: () =>
            new WebhookSender({
              timeoutMs: config.deliveryTimeoutMs,
              allowPrivateNetworks: config.outboundAllowPrivateUrls,
              // Lanes cap attempts per subscription; subscriptions sharing a host must not share a smaller socket pool.
              maxSocketsPerOrigin: config.concurrency,
            }),
        },
        EventDispatcherMetrics,
        SubscriptionDirectory,
        DeliveryStore,
        DeliveryLogWriter,
        DeliveryExecutor,
        DueDeliveryPoller,
        OutboxRelay,
        OutboundEventProcessor,
        OutboundEventConsumer,
      ],
    };
  }
}
