import { Module, type DynamicModule } from '@nestjs/common';
import { loggerParams } from '@inbound/runtime';
import { LoggerModule } from 'nestjs-pino';
import type { GatewayConfig } from './config/gateway-config';
import { HealthController } from './health/health.controller';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { ChannelsController } from './channels/channels.controller';
import { ChannelsModule } from './channels/channels.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(
          // Request logging for the Nest controllers only. The webhook routes are plain Fastify
          // routes that log their own rejections with the request id: per-request middleware
          // there would cost more than the rest of the call.
          loggerParams('webhook-gateway', config.logLevel, [ChannelsController, HealthController]),
        ),
        InfrastructureModule.forRoot(config),
        WebhooksModule,
        ChannelsModule,
      ],
      controllers: [HealthController],
    };
  }
}
