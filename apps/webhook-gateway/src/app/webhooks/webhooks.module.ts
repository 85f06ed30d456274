import { Module } from '@nestjs/common';
import { AdapterRegistry, HttpStatusError, webhookBodyLimits as providerBodyLimits } from '@inbound/adapters';
import { CredentialsCipher } from '@inbound/domain';
import axios, { isAxiosError } from 'axios';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { CHANNEL_DIRECTORY_OPTIONS, ChannelDirectory } from './channel-directory';
import { ChannelConnections } from './channel-connections';
import { WEBHOOK_BODY_LIMITS, WebhookHttpHandler, type WebhookBodyLimits } from './webhook-http-handler';
import { WebhookMetrics } from './webhook-metrics';
import { WebhookService } from './webhook.service';
import { WebhookSpool } from './webhook-spool';

/** HTTPS GET for adapters (SNS certificates and subscription confirmation): short, bounded. */
async function httpGetText(url: string): Promise<string> {
  try {
    const response = await axios.get<string>(url, {
      timeout: 5_000,
      maxContentLength: 256 * 1024,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: (data: string) => data,
    });
    return response.data;
  } catch (error) {
    // An answer that is not 2xx says something about the URL; no answer says nothing.
    if (isAxiosError(error) && error.response) throw new HttpStatusError(error.response.status);
    throw error;
  }
}

/** BODY_LIMIT_BYTES for most routes; the channel types whose providers send more get their own variable's limit. */
function webhookBodyLimits(config: GatewayConfig): WebhookBodyLimits {
  return {
    default: config.bodyLimitBytes,
    larger: Object.fromEntries(
      providerBodyLimits().map(({ channelType, limit }) => [channelType, config.providerBodyLimitBytes[limit.variable]]),
    ),
  };
}

@Module({
  providers: [
    {
      provide: CHANNEL_DIRECTORY_OPTIONS,
      useValue: {
        ttlMs: 30_000,
        negativeTtlMs: 5_000,
        maxEntries: 50_000,
        staleLimitMs: 10 * 60_000,
        staleRetryMs: 5_000,
        staleWaitMs: 500,
      },
    },
    {
      provide: CredentialsCipher,
      useFactory: (config: GatewayConfig) =>
        new CredentialsCipher(config.credentialsKey, config.previousCredentialsKeys, { refusePlain: config.nodeEnv === 'production' }),
      inject: [GATEWAY_CONFIG],
    },
    {
      provide: AdapterRegistry,
      useFactory: (config: GatewayConfig) =>
        new AdapterRegistry({ now: () => new Date(), httpGetText, developmentFiles: config.providerDevelopmentFiles }),
      inject: [GATEWAY_CONFIG],
    },
    ChannelDirectory,
    ChannelConnections,
    WebhookMetrics,
    WebhookSpool,
    WebhookService,
    { provide: WEBHOOK_BODY_LIMITS, useFactory: webhookBodyLimits, inject: [GATEWAY_CONFIG] },
    WebhookHttpHandler,
  ],
  exports: [WebhookService, WebhookHttpHandler, ChannelDirectory, CredentialsCipher, AdapterRegistry],
})
export class WebhooksModule {}
