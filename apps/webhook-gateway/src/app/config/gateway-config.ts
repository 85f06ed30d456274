import { ConfigError, EnvReader, readCommonConfig, readCredentialsKeys, type CommonConfig } from '@inbound/runtime';

export interface GatewayConfig extends CommonConfig {
  port: number;
  webhookBaseUrl: string;
  adminApiToken?: string;
  /** 32-byte key, decoded; required in production. */
  credentialsKey?: Buffer;
  /** Keys that sealed older values, accepted for reading while a rotation is under way. */
  previousCredentialsKeys: Buffer[];
  telegramApiBaseUrl: string;
  verifyWebhookSignatures: boolean;
  bodyLimitBytes: number;
  /** How long a publish may wait for RabbitMQ's confirm before the call is answered 503. */
  publishConfirmTimeoutMs: number;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function readGatewayConfig(source: NodeJS.ProcessEnv): GatewayConfig {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const verifyWebhookSignatures = env.boolean('VERIFY_WEBHOOK_SIGNATURES', true);
  if (!verifyWebhookSignatures && common.nodeEnv !== 'development') {
    throw new ConfigError('VERIFY_WEBHOOK_SIGNATURES', 'may be false only when NODE_ENV=development');
  }
  const keys = readCredentialsKeys(env, common.nodeEnv);
  const adminApiToken = env.optionalString('ADMIN_API_TOKEN');
  if (adminApiToken !== undefined && adminApiToken.length < 16) {
    throw new ConfigError('ADMIN_API_TOKEN', 'must be at least 16 characters');
  }
  return {
    ...common,
    port: env.integer('PORT', 3000, 1, 65535),
    webhookBaseUrl: env.url('WEBHOOK_BASE_URL', 'http://localhost:3000', ['http', 'https']).replace(/\/+$/, ''),
    adminApiToken,
    credentialsKey: keys.current,
    previousCredentialsKeys: keys.previous,
    telegramApiBaseUrl: env.url('TELEGRAM_API_BASE_URL', 'https://api.telegram.org', ['http', 'https']).replace(/\/+$/, ''),
    verifyWebhookSignatures,
    bodyLimitBytes: env.integer('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    publishConfirmTimeoutMs: env.integer('PUBLISH_CONFIRM_TIMEOUT_MS', 5_000, 100, 60_000),
  };
}
