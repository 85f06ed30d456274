import { providerApiSettings, webhookBodyLimits } from '@inbound/adapters';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  /** The PEM at SNS_DEV_CERTIFICATE_FILE, read and checked at start; never set in production. */
  snsDevCertificatePem?: string;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function readGatewayConfig(source: NodeJS.ProcessEnv): GatewayConfig {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const gatewaySettings = readVariables(env, GATEWAY_VARIABLES);
  if (!gatewaySettings.verifyWebhookSignatures && common.nodeEnv !== 'development') {
    throw new ConfigError(GATEWAY_VARIABLES.verifyWebhookSignatures.name, 'may be false only when NODE_ENV=development');
  }
  const snsDevCertificatePem = readSnsDevCertificate(gatewaySettings.snsDevCertificateFile, common.nodeEnv);
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
    snsDevCertificatePem,
    providerApiBaseUrls: Object.fromEntries(providers.apiBaseUrls.map((variable) => [variable.name, readVariable(env, variable)])),
    providerBodyLimitBytes: Object.fromEntries(providers.bodyLimits.map((variable) => [variable.name, readVariable(env, variable)])),
  };
}

/**
 * A certificate trusted besides AWS's lets whoever holds its key forge SES events, so it is refused outside development and
 * tests; a missing or unreadable file stops the start rather than failing each SES call later.
 */
function readSnsDevCertificate(file: string | undefined, nodeEnv: CommonConfig['nodeEnv']): string | undefined {
  if (file === undefined) return undefined;
  const name = GATEWAY_VARIABLES.snsDevCertificateFile.name;
  if (nodeEnv !== 'development' && nodeEnv !== 'test') throw new ConfigError(name, 'may be set only when NODE_ENV=development or test');
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(name, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new ConfigError(name, 'is not a PEM certificate');
  }
  return pem;
}
