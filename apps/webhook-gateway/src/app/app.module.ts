import { Module, type DynamicModule } from '@nestjs/common';
import { loggerParams } from '@inbound/runtime';
import { LoggerModule } from 'nestjs-pino';
import type { GatewayConfig } from './config/gateway-config';
import { HealthController } from './health/health.controller';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { ChannelsModule } from './channels/channels.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(
          // No per-request logging middleware: its async context hooks slow every promise, the webhook hot path
          // included. Rejections and admin changes are logged where they happen.
          loggerParams('webhook-gateway', config.logLevel, []),
        ),
        InfrastructureModule.forRoot(config),
        WebhooksModule,
        ChannelsModule,
        CampaignsModule,
        SubscriptionsModule,
        RealtimeModule,
      ],
      controllers: [HealthController],
    };
  }
}
