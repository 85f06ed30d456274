import { Module, type DynamicModule } from '@nestjs/common';
import { loggerParams } from '@inbound/runtime';
import { LoggerModule } from 'nestjs-pino';
import type { GatewayConfig } from './config/gateway-config';
import { HealthController } from './health/health.controller';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [LoggerModule.forRoot(loggerParams('webhook-gateway', config.logLevel)), InfrastructureModule.forRoot(config), WebhooksModule],
      controllers: [HealthController],
    };
  }
}
