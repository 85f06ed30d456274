import { Module } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { AdminTokenGuard } from '../channels/admin-token.guard';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { HOST_LOOKUP, SubscriberDestination, type HostLookup } from './subscriber-destination';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsService } from './subscriptions.service';

const systemLookup: HostLookup = async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/** Subscriber webhooks' admin API. Bodies are validated by the pipe ChannelsModule installs for the whole app. */
@Module({
  imports: [WebhooksModule],
  controllers: [SubscriptionsController],
  providers: [AdminTokenGuard, SubscriptionsService, SubscriberDestination, { provide: HOST_LOOKUP, useValue: systemLookup }],
})
export class SubscriptionsModule {}
