import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config/gateway-config';
import { registerWebhookRoutes } from './webhooks/webhook-routes.plugin';
import { WebhookService } from './webhooks/webhook.service';

/** Builds the gateway (not yet listening); tests and main.ts share it. */
export async function createGatewayApp(config: GatewayConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
    // Idle keep-alive sockets are closed at shutdown; sockets with a call in flight finish it.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Honour a request id set by the ingress so one call can be followed across logs.
    requestIdHeader: 'x-request-id',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  await app.getHttpAdapter().getInstance().register(registerWebhookRoutes(app.get(WebhookService), config.bodyLimitBytes));
  return app;
}

/**
 * Stops the gateway in the order that loses nothing: stop accepting and let in-flight
 * calls finish (their publishes are confirmed before they answer), then close RabbitMQ and
 * PostgreSQL through the application's shutdown hooks.
 */
export async function stopGatewayApp(app: NestFastifyApplication): Promise<void> {
  await app.getHttpAdapter().getInstance().close();
  await app.close();
}
