import { Module, ValidationPipe } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import axios from 'axios';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AdminTokenGuard } from './admin-token.guard';
import { ChannelListController } from './channel-list.controller';
import { ChannelListService } from './channel-list.service';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';
import { PROVIDER_JSON_POST, WebhookSetup } from './webhook-setup';
import { invalidRequest } from '../http/invalid-request';

/** JSON POST for providers' registration APIs: bounded time, any status answered (providers explain errors in the body). */
async function postJson(url: string, body: unknown): Promise<{ status: number; data: unknown }> {
  const response = await axios.post(url, body, { timeout: 10_000, validateStatus: () => true, maxContentLength: 1024 * 1024 });
  return { status: response.status, data: response.data };
}

@Module({
  imports: [WebhooksModule],
  controllers: [ChannelListController, ChannelsController],
  providers: [
    AdminTokenGuard,
    ChannelsService,
    ChannelListService,
    WebhookSetup,
    { provide: PROVIDER_JSON_POST, useValue: postJson },
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
