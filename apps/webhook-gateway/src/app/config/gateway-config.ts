import { providerApiSettings, webhookBodyLimitSettings } from '@inbound/adapters';
import { ConfigError, EnvReader, readCommonConfig, readCredentialsKeys, type CommonConfig } from '@inbound/runtime';

export interface GatewayConfig extends CommonConfig {
  port: number;
  webhookBaseUrl: string;
  adminApiToken?: string;
  /** 32-byte key, decoded; required in production. */
  credentialsKey?: Buffer;
  /** Keys that sealed older values, accepted for reading while a rotation is under way. */
  previousCredentialsKeys: Buffer[];
  /** Origins of the provider APIs webhooks are registered through, by variable name (libs/adapters registry). */
  providerApiBaseUrls: Readonly<Record<string, string>>;
  verifyWebhookSignatures: boolean;
  /** Largest webhook (and admin) body; larger gets 413. */
  bodyLimitBytes: number;
  /** Larger limits of the routes whose providers document larger batches, by variable name (libs/adapters registry). */
  providerBodyLimitBytes: Readonly<Record<string, number>>;
  /** Proxies in front of the gateway whose X-Forwarded-For is believed (0: use the peer address). */
  trustProxyHops: number;
  /** Failed signature checks from one address per window before its failures get 429 (0: never). */
  signatureFailureLimit: number;
  signatureFailureWindowMs: number;
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
    providerApiBaseUrls: Object.fromEntries(
      providerApiSettings().map(({ baseUrlVariable, defaultBaseUrl }) => [baseUrlVariable, env.url(baseUrlVariable, defaultBaseUrl, ['http', 'https']).replace(/\/+$/, '')]),
    ),
    verifyWebhookSignatures,
    bodyLimitBytes: env.integer('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    providerBodyLimitBytes: Object.fromEntries(
      webhookBodyLimitSettings().map(({ variable, defaultBytes }) => [variable, env.integer(variable, defaultBytes, 1024, 64 * 1024 * 1024)]),
    ),
    trustProxyHops: env.integer('TRUST_PROXY_HOPS', 0, 0, 10),
    signatureFailureLimit: env.integer('SIGNATURE_FAILURE_LIMIT', 20, 0, 1_000_000),
    signatureFailureWindowMs: env.integer('SIGNATURE_FAILURE_WINDOW_MS', 60_000, 1_000, 3_600_000),
    publishConfirmTimeoutMs: env.integer('PUBLISH_CONFIRM_TIMEOUT_MS', 5_000, 100, 60_000),
  };
}
