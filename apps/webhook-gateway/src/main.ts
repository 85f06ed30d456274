import 'reflect-metadata';
import { runProcess } from '@inbound/runtime';
import { readGatewayConfig } from './app/config/gateway-config';
import { createGatewayApp, stopGatewayApp } from './app/create-gateway-app';

void runProcess('webhook-gateway', async () => {
  const config = readGatewayConfig(process.env);
  const app = await createGatewayApp(config);
  await app.listen({ port: config.port, host: '0.0.0.0' });
  return { stop: () => stopGatewayApp(app) };
});
