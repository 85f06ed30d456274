import { apiSetupOf, createProviderHttp, providerDefinitionFor, TelegramBotApi } from '@inbound/adapters';
import { CredentialsCipher, createDataSource } from '@inbound/domain';
import { EnvReader, GATEWAY_VARIABLES, providerVariables, readCommonConfig, readCredentialsKeys, readVariable } from '@inbound/runtime';
import type { DataSource } from 'typeorm';

/** What the channel maintenance commands need, from the same variables as the gateway. */
export interface ChannelToolContext {
  dataSource: DataSource;
  cipher: CredentialsCipher;
  botApi: TelegramBotApi;
  webhookBaseUrl: string;
}

export async function channelToolContext(source: NodeJS.ProcessEnv): Promise<ChannelToolContext> {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const keys = readCredentialsKeys(env, common.nodeEnv);
  const telegramBaseUrl = readVariable(env, telegramApiOrigin());
  const dataSource = createDataSource({ url: common.databaseUrl, poolSize: 2, applicationName: 'channel-tools' });
  await dataSource.initialize();
  return {
    dataSource,
    cipher: new CredentialsCipher(keys.current, keys.previous),
    botApi: new TelegramBotApi(telegramBaseUrl, createProviderHttp()),
    webhookBaseUrl: readVariable(env, GATEWAY_VARIABLES.webhookBaseUrl),
  };
}

/** The Bot API origin's declaration, as the gateway reads it (from Telegram's provider definition). */
function telegramApiOrigin() {
  const setup = providerDefinitionFor('telegram', {});
  const api = setup && apiSetupOf(setup.webhook);
  if (!api) throw new Error('the Telegram provider registers no webhook through an API');
  const [variable] = providerVariables({ apiSettings: [api.api], bodyLimits: [], developmentFiles: [] }).apiBaseUrls;
  // The Bot API has one origin, so its variable has a default (only per-account APIs have none).
  if (variable.default === undefined) throw new Error(`${variable.name} has no default`);
  return { ...variable, default: variable.default };
}

/** A summary that is not a success: printed like one, then the command exits 1. */
export interface ToolFailure {
  summary: string;
  failed: true;
}

/** Runs a command's main: its summary and exit 0 on success (1 for a ToolFailure), one error line and exit 1 on an error. */
export function runTool(main: () => Promise<string | ToolFailure>): void {
  main().then(
    (outcome) => {
      const failed = typeof outcome !== 'string';
      process.stdout.write(`${failed ? outcome.summary : outcome}\n`);
      process.exit(failed ? 1 : 0);
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error)?.message ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
