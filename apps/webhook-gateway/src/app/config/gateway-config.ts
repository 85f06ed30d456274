import { providerDevelopmentFiles, providerSettings, type DevelopmentFileSetting } from '@inbound/adapters';
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  DEVELOPMENT_FILE_ENVIRONMENTS,
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
  /** The contents of the development files providers declare, by variable, read and checked at start; empty in production. */
  providerDevelopmentFiles: Readonly<Record<string, string>>;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function readGatewayConfig(source: NodeJS.ProcessEnv): GatewayConfig {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const gatewaySettings = readVariables(env, GATEWAY_VARIABLES);
  if (!gatewaySettings.verifyWebhookSignatures && common.nodeEnv !== 'development') {
    throw new ConfigError(GATEWAY_VARIABLES.verifyWebhookSignatures.name, 'may be false only when NODE_ENV=development');
  }
  // Before the keys: a development file in production is the mistake to name first.
  const providerDevelopmentFiles = readDevelopmentFiles(env, common.nodeEnv);
  const keys = readCredentialsKeys(env, common.nodeEnv);
  if (gatewaySettings.realtimeTokenSecret === undefined && common.nodeEnv === 'production') {
    throw new ConfigError(GATEWAY_VARIABLES.realtimeTokenSecret.name, 'is required when NODE_ENV=production');
  }
  const providers = providerVariables(providerSettings());
  return {
    ...common,
    ...gatewaySettings,
    credentialsKey: keys.current,
    previousCredentialsKeys: keys.previous,
    providerDevelopmentFiles,
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

/**
 * Each development file a provider declares (a certificate a local stand-in signs with) lets whoever holds its key forge
 * that provider's calls: refused outside development and tests. A missing or unusable file stops the start rather than
 * failing each call later.
 */
function readDevelopmentFiles(env: EnvReader, nodeEnv: CommonConfig['nodeEnv']): Record<string, string> {
  const files: Record<string, string> = {};
  for (const setting of providerDevelopmentFiles()) {
    const content = readDevelopmentFile(setting, env.optionalString(setting.variable), nodeEnv);
    if (content !== undefined) files[setting.variable] = content;
  }
  return files;
}

function readDevelopmentFile(
  setting: DevelopmentFileSetting,
  path: string | undefined,
  nodeEnv: CommonConfig['nodeEnv'],
): string | undefined {
  if (path === undefined) return undefined;
  const allowed: readonly string[] = DEVELOPMENT_FILE_ENVIRONMENTS;
  if (!allowed.includes(nodeEnv)) {
    throw new ConfigError(setting.variable, `may be set only when NODE_ENV=${DEVELOPMENT_FILE_ENVIRONMENTS.join(' or ')}`);
  }
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(setting.variable, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const problem = setting.problem(content);
  if (problem !== undefined) throw new ConfigError(setting.variable, problem);
  return content;
}
