import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config/gateway-config';
import { consoleDirectory, readConsoleFiles } from './console/console-files';
import { registerConsoleRoutes } from './console/console-routes.plugin';
import { ErrorBodyFilter } from './http/error-body.filter';
import { registerBoundedJsonParser } from './http/bounded-json-parser';
import { WebhookHttpHandler } from './webhooks/webhook-http-handler';
import { registerWebhookRoutes } from './webhooks/webhook-routes.plugin';
import { WebhookService } from './webhooks/webhook.service';
import { RealtimeServer } from './realtime/realtime-server';

/** Builds the gateway (not yet listening); tests and main.ts share it. */
export async function createGatewayApp(config: GatewayConfig): Promise<NestFastifyApplication> {
  // Provider calls are served before Fastify sees them (WebhookHttpHandler); the handler needs the app's
  // WebhookService, so it is set once the app is built. Until then nothing listens.
  const webhooksFirst: { handler?: WebhookHttpHandler } = {};
  const adapter = new FastifyAdapter({
    serverFactory: (fastifyHandler: (request: IncomingMessage, response: ServerResponse) => void) => {
      const server = createServer((request: IncomingMessage, response: ServerResponse) => {
        if (!webhooksFirst.handler?.handle(request, response)) fastifyHandler(request, response);
      });
      // What Fastify sets on a server it makes itself: keep-alive outlasting a load balancer's 60 s idle timeout.
      server.keepAliveTimeout = FASTIFY_KEEP_ALIVE_MS;
      // Fastify listens for 'error' only while it starts listening; a later one (say, no file descriptor left to accept
      // with) would end the process. Reported, and the server goes on.
      server.on('error', (error: Error) => new NestLogger('HttpServer').error(`server error: ${error.message}`));
      return server;
    },
    bodyLimit: config.bodyLimitBytes,
    // Only as many proxies as the deployment really has: believing X-Forwarded-For from anyone
    // would let a caller pick the address the verification throttle counts.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    // Idle keep-alive sockets are closed at shutdown; sockets with a call in flight finish it.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Honour a request id set by the ingress so one call can be followed across logs.
    requestIdHeader: 'x-request-id',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // JSON bodies go through registerBoundedJsonParser; Nest's own parser would take them unbounded.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ErrorBodyFilter());
  registerBoundedJsonParser(app.getHttpAdapter().getInstance(), config.bodyLimitBytes);
  webhooksFirst.handler = app.get(WebhookHttpHandler);
  await app
    .getHttpAdapter()
    .getInstance()
    .register(registerWebhookRoutes(app.get(WebhookService)));
  // The operator console (docs/CONSOLE.md): static files; a build without them simply has no console.
  const consoleDir = consoleDirectory();
  if (consoleDir)
    await app
      .getHttpAdapter()
      .getInstance()
      .register(registerConsoleRoutes(readConsoleFiles(consoleDir)));
  return app;
}

const FASTIFY_KEEP_ALIVE_MS = 72_000;

/** Longest a shutdown waits for calls in flight before it cuts the remaining connections. */
const DRAIN_LIMIT_MS = 20_000;

/**
 * Closes the realtime sockets, stops accepting and drains in-flight calls (idle keep-alive sockets closed as they appear, the rest cut at
 * DRAIN_LIMIT_MS), then closes RabbitMQ and PostgreSQL through the shutdown hooks.
 */
export async function stopGatewayApp(app: NestFastifyApplication): Promise<void> {
  // Upgraded sockets are no longer the HTTP server's connections, yet its close waits for them.
  await app.get(RealtimeServer).closeAll();
  app.get(WebhookHttpHandler).close();
  const fastify = app.getHttpAdapter().getInstance();
  const sweeper = setInterval(() => fastify.server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => fastify.server.closeAllConnections(), DRAIN_LIMIT_MS);
  try {
    await fastify.close();
  } finally {
    clearInterval(sweeper);
    clearTimeout(deadline);
  }
  await app.close();
}
