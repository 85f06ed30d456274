import { WebhookSender } from '@inbound/webhook-delivery';
import { Module } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { AdminTokenGuard } from '../channels/admin-token.guard';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { HOST_LOOKUP, SubscriberDestination, type HostLookup } from './subscriber-destination';
import { SubscriptionTestService, TEST_TIMEOUT_MS, TEST_WEBHOOK_SENDER } from './subscription-test.service';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsService } from './subscriptions.service';

const systemLookup: HostLookup = async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Subscriber webhooks' admin API: the subscriptions, their tests, and their delivery log. Bodies are validated by the pipe
 * ChannelsModule installs for the whole app.
 */
@Module({
  imports: [WebhooksModule],
  controllers: [SubscriptionsController, DeliveriesController],
  providers: [
    AdminTokenGuard,
    SubscriptionsService,
    SubscriberDestination,
    { provide: HOST_LOOKUP, useValue: systemLookup },
    DeliveriesService,
    SubscriptionTestService,
    {
      // Closed by SubscriptionTestService at shutdown. Checks every address it connects to, as the dispatcher's does.
      provide: TEST_WEBHOOK_SENDER,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        new WebhookSender({ timeoutMs: TEST_TIMEOUT_MS, allowPrivateNetworks: config.outboundAllowPrivateUrls }),
    },
  ],
})
export class SubscriptionsModule {}
