import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { loggerParams } from '@inbound/runtime';
import { LoggerModule } from 'nestjs-pino';
import type { GatewayConfig } from './config/gateway-config';
import { HealthController } from './health/health.controller';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { ChannelsModule } from './channels/channels.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(
          // The webhook hot path logs its own rejections with the request id; a per-request
          // child logger there would cost more than the rest of the call.
          loggerParams('webhook-gateway', config.logLevel, [{ method: RequestMethod.ALL, path: 'webhooks/{*path}' }]),
        ),
        InfrastructureModule.forRoot(config),
        WebhooksModule,
        ChannelsModule,
      ],
      controllers: [HealthController],
    };
  }
}
