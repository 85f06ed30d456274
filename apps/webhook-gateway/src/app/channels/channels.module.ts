import { Module, ValidationPipe } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { createProviderHttp } from '@inbound/adapters';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AdminTokenGuard } from './admin-token.guard';
import { ChannelListController } from './channel-list.controller';
import { ChannelListService } from './channel-list.service';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';
import { RegistrationLock } from './registration-lock';
import { WebhookReconciler } from './webhook-reconciler';
import { PROVIDER_HTTP, WebhookSetup } from './webhook-setup';
import { invalidRequest } from '../http/invalid-request';

@Module({
  imports: [WebhooksModule],
  controllers: [ChannelListController, ChannelsController],
  providers: [
    AdminTokenGuard,
    ChannelsService,
    ChannelListService,
    WebhookSetup,
    RegistrationLock,
    WebhookReconciler,
    { provide: PROVIDER_HTTP, useFactory: createProviderHttp },
    {
      // 400 naming the first bad field; unknown fields refused.
      provide: APP_PIPE,
      useValue: new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        exceptionFactory: (errors) => {
          const first = errors[0];
          const message = first ? (Object.values(first.constraints ?? {})[0] ?? `${first.property} is invalid`) : 'invalid request';
          return invalidRequest(first?.property, message);
        },
      }),
    },
  ],
})
export class ChannelsModule {}
