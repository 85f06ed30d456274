import { providerApiSettings, webhookBodyLimits } from '@inbound/adapters';
import {
  ConfigError,
  EnvReader,
  GATEWAY_VARIABLES,
  providerVariables,
  readCommonConfig,
  readCredentialsKeys,
  readVariable,
  readVariables,
  type CommonConfig,
  type ValuesOf,
} from '@inbound/runtime';

export interface GatewayConfig extends CommonConfig, ValuesOf<typeof GATEWAY_VARIABLES> {
  /** 32-byte key, decoded; required in production. */
  credentialsKey?: Buffer;
  /** Keys that sealed older values, accepted for reading while a rotation is under way. */
  previousCredentialsKeys: Buffer[];
  /** Origins of the provider APIs webhooks are registered through, by variable name (libs/adapters registry). */
  providerApiBaseUrls: Readonly<Record<string, string>>;
  /** Larger limits of the routes whose providers document larger batches, by variable name (libs/adapters registry). */
  providerBodyLimitBytes: Readonly<Record<string, number>>;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function readGatewayConfig(source: NodeJS.ProcessEnv): GatewayConfig {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const gatewaySettings = readVariables(env, GATEWAY_VARIABLES);
  if (!gatewaySettings.verifyWebhookSignatures && common.nodeEnv !== 'development') {
    throw new ConfigError(GATEWAY_VARIABLES.verifyWebhookSignatures.name, 'may be false only when NODE_ENV=development');
  }
  const keys = readCredentialsKeys(env, common.nodeEnv);
  if (gatewaySettings.realtimeTokenSecret === undefined && common.nodeEnv === 'production') {
    throw new ConfigError(GATEWAY_VARIABLES.realtimeTokenSecret.name, 'is required when NODE_ENV=production');
  }
  const providers = providerVariables({ apiSettings: providerApiSettings(), bodyLimits: webhookBodyLimits() });
  return {
    ...common,
    ...gatewaySettings,
    credentialsKey: keys.current,
    previousCredentialsKeys: keys.previous,
    // An unset variable without a default is left out: the provider's channels name their own origin.
    providerApiBaseUrls: Object.fromEntries(
      providers.apiBaseUrls.flatMap((variable) => {
        const origin = readVariable(env, variable);
        return origin === undefined ? [] : [[variable.name, origin]];
      }),
    ),
    providerBodyLimitBytes: Object.fromEntries(providers.bodyLimits.map((variable) => [variable.name, readVariable(env, variable)])),
  };
}
