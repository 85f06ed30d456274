/**
 * One simulator run: the demo channel, a subscribed local receiver, the scenario's provider
 * call(s), then what the pipeline made of them (answer, rows, counters, outbound events).
 */
import { CredentialsCipher } from '@inbound/domain';
import { readFileSync } from 'node:fs';
import type { Scenario, SimulatorOptions, StatusScenario } from './args';
import { STATUS_SCENARIOS } from './args';
import { AdminClient } from './admin-client';
import { runCampaign, type CampaignSummary } from './campaign';
import { DbProbe, type MessageRow } from './db-probe';
import { demoChannel } from './demo-channel';
import { describeEvent, describeRow, type Output } from './output';
import { PROVIDER_KINDS, wrongSecrets, type CallTarget, type ProviderCall, type ProviderKind } from './provider-calls';
import { EventReceiver, type ReceivedEvent } from './receiver';
import type { SimulatorSettings } from './settings';
import { SnsConfirmationEndpoint } from './sns-confirmation-endpoint';

export interface SimulationResult {
  /** 0: the pipeline did what the scenario expects; 1: it did not; 2: the scenario cannot run. */
  exitCode: number;
  scenario?: Scenario;
  channelId?: string;
  /** HTTP status of each provider call (campaign: none, see campaign). */
  answers: number[];
  rows: MessageRow[];
  events: ReceivedEvent[];
  campaign?: CampaignSummary;
  /** Subscription scenario: the Token of each confirmation request the SNS stand-in received. */
  confirmations?: string[];
}

const ROW_WAIT_MS = 10_000;
const EVENT_WAIT_MS = 10_000;

/** Which scenario runs, or why none can. */
export function chooseScenario(
  provider: ProviderKind,
  options: Pick<SimulatorOptions, 'scenario'>,
): { scenario: Scenario } | { refusal: string } {
  const refusal = scenarioRefusal(provider, options.scenario ?? (provider.inbound ? 'inbound' : 'delivered'));
  return refusal === undefined ? { scenario: options.scenario ?? (provider.inbound ? 'inbound' : 'delivered') } : { refusal };
}

function scenarioRefusal(provider: ProviderKind, scenario: Scenario): string | undefined {
  if (scenario === 'inbound' && !provider.inbound)
    return `${provider.kind}: no inbound messages: email providers report statuses only; try ${provider.statuses.join(', ')} or bad-signature`;
  if ((STATUS_SCENARIOS as readonly string[]).includes(scenario) && !provider.statuses.includes(scenario as StatusScenario))
    return provider.statuses.length === 0
      ? `${provider.kind}: no status updates: Telegram reports none; try inbound or bad-signature`
      : `${provider.kind}: the provider reports no "${scenario}"; try ${provider.statuses.join(', ')}`;
  if (scenario === 'campaign' && !provider.batches)
    return `${provider.kind}: campaign runs on the providers that batch statuses: ${Object.values(PROVIDER_KINDS)
      .flatMap((kind) => (kind.batches ? [kind.kind] : []))
      .join(', ')}`;
  if (scenario === 'subscription' && !provider.subscriptionCall)
    return `${provider.kind}: no subscription confirmation: only ses (SNS) confirms its subscriptions over HTTP`;
  return undefined;
}

export async function simulate(options: SimulatorOptions, settings: SimulatorSettings, output: Output): Promise<SimulationResult> {
  const result: SimulationResult = { exitCode: 0, answers: [], rows: [], events: [] };
  const provider = PROVIDER_KINDS[options.kind];
  const choice = chooseScenario(provider, options);
  if ('refusal' in choice) {
    output.line(choice.refusal);
    return { ...result, exitCode: 2 };
  }
  if (provider.kind === 'ses' && settings.snsDevPrivateKeyFile === undefined) {
    output.line(
      'ses: no SNS development key to sign with: run `npm start` once (it makes one and names it SNS_DEV_PRIVATE_KEY_FILE in .env)',
    );
    return { ...result, exitCode: 2 };
  }
  const scenario = choice.scenario;
  result.scenario = scenario;

  const admin = new AdminClient(settings.gateway, settings.adminToken);
  const db = new DbProbe(settings.databaseUrl);
  const receiver = new EventReceiver();
  let subscriptionId: string | undefined;
  // A provider registered through its API (Unipile): its stand-in answers the gateway for this run only.
  const api = provider.startProviderApi ? await provider.startProviderApi() : undefined;
  let apiChannelId: string | undefined;
  try {
    const demo = await demoChannel(admin, provider, settings, api);
    const channel = demo.channel;
    result.channelId = channel.id;
    if (api) apiChannelId = channel.id;
    output.line(`channel:     ${channel.name} ${channel.id} (${demo.created ? 'created' : 'reused'}; webhook ${channel.webhook.status})`);
    if (api) {
      output.line(
        `${provider.kind} API: a local stand-in at ${api.origin} (the real one needs an account), holding ${api.webhookCount(channel.webhook_url)} webhook(s) for ${channel.webhook_url}`,
      );
      if (channel.webhook.status !== 'registered') output.line(`webhook:     ${JSON.stringify(channel.webhook)}`);
    }

    await receiver.start();
    const subscription = await admin.createSubscription({
      account_id: settings.accountId,
      url: receiver.url,
      events: ['*'],
      description: 'npm run simulate (deleted at the end of the run)',
    });
    subscriptionId = subscription.id;
    receiver.useSecret(subscription.secret ?? '');
    output.line(`subscriber:  ${receiver.url} (subscription ${subscription.id}, every event)`);

    // A stand-in API's secrets are those of the webhook the gateway registered there, as the provider knows them.
    const secrets = api ? api.secretsFor(channel.webhook_url) : await signingSecrets(provider, demo.secrets, channel.id, db, settings);
    const target: CallTarget = { webhookUrl: channel.webhook_url, secrets };
    const path = `/webhooks/${provider.channelType}/${channel.id}`;
    const post = async (call: ProviderCall) => {
      const response = await fetch(`${settings.gateway}${path}`, { method: 'POST', body: call.body, headers: call.headers });
      await response.arrayBuffer();
      return response.status;
    };
    const postAndShow = async (call: ProviderCall, what: string) => {
      const response = await fetch(`${settings.gateway}${path}`, { method: 'POST', body: call.body, headers: call.headers });
      const text = await response.text();
      output.line(`POST ${path} (${what}) → ${response.status} ${text.length > 120 ? `${text.slice(0, 120)}…` : text}`);
      if (response.status === 401 && scenario !== 'bad-signature' && provider.refusalHint)
        output.line(`hint:        ${provider.refusalHint}`);
      result.answers.push(response.status);
      return response.status;
    };

    if (scenario === 'campaign') {
      result.campaign = await runCampaign(
        provider,
        { accountId: settings.accountId, channelId: channel.id, target, db, receiver, output, post },
        { messages: options.messages, rate: options.rate, batch: options.batch ?? 20 },
      );
      const counters = result.campaign.counters;
      const done = counters.delivered_count + counters.failed_count >= options.messages && counters.read_count >= options.messages;
      result.exitCode = done && result.campaign.accepted === result.campaign.calls ? 0 : 1;
    } else if (scenario === 'inbound' && provider.inboundCall) {
      const call = provider.inboundCall(target);
      if ((await postAndShow(call, `inbound message ${call.providerMessageId} from ${call.sender}`)) !== 200) result.exitCode = 1;
      else {
        result.rows = await pollRows(db, channel.id, call.providerMessageId, (rows) => rows.some((row) => row.direction === 'inbound'));
        showRows(output, result.rows, 'no inbound row within 10 s (is the inbound-worker running?)');
        const arrived = await receiver.waitUntil(
          (events) =>
            events.some((event) => event.type === 'message.received' && event.data['provider_message_id'] === call.providerMessageId),
          EVENT_WAIT_MS,
        );
        result.events = receiver.events.filter((event) => event.data['provider_message_id'] === call.providerMessageId);
        showEvents(output, result.events, 'no message.received within 10 s (is the event-dispatcher running?)');
        if (result.rows.length === 0 || !arrived) result.exitCode = 1;
      }
    } else if (scenario === 'subscription' && provider.subscriptionCall) {
      const sns = new SnsConfirmationEndpoint();
      await sns.start();
      try {
        const call = provider.subscriptionCall(target, sns.url);
        const status = await postAndShow(call, `subscription confirmation for ${call.topicArn}`);
        // The gateway confirms while verifying, before it answers: nothing to wait for.
        result.confirmations = [...sns.tokens];
        const confirmed = sns.tokens.length === 1 && sns.tokens[0] === call.token;
        output.line(
          confirmed
            ? `confirmed:   the gateway visited SubscribeURL (${sns.url}?Action=ConfirmSubscription…) before answering`
            : `confirmed:   no: the SNS stand-in got ${sns.tokens.length} confirmation request(s) with the token`,
        );
        if (status !== 200 || !confirmed) result.exitCode = 1;
      } finally {
        await sns.stop();
      }
    } else if (scenario === 'bad-signature') {
      const call = provider.inboundCall
        ? provider.inboundCall({ ...target, secrets: wrongSecrets(secrets) })
        : provider.statusCall({ ...target, secrets: wrongSecrets(secrets) }, [{ ...provider.newOutbound(), status: provider.statuses[0] }]);
      const status = await postAndShow(call, 'signed with a wrong key');
      output.line(status === 401 ? 'refused as expected: 401' : `expected 401, got ${status}`);
      if (status !== 401) result.exitCode = 1;
      if ('providerMessageId' in call) {
        await sleep(1000);
        result.rows = await db.messagesByProviderId(channel.id, String(call.providerMessageId));
        output.line(
          result.rows.length === 0 ? 'rows:        none, as expected' : `rows:        ${result.rows.length}: the refused call was stored!`,
        );
        if (result.rows.length > 0) result.exitCode = 1;
      }
    } else if (scenario !== 'inbound' && scenario !== 'subscription') {
      const status = scenario;
      const outbound = provider.newOutbound();
      const messageId = await db.seedOutbound(settings.accountId, channel.id, outbound.providerMessageId, outbound.recipient);
      output.line(
        `seeded:      outbound message ${messageId} (provider id ${outbound.providerMessageId}, to ${outbound.recipient}), queued`,
      );
      const call = provider.statusCall(target, [{ ...outbound, status }]);
      if ((await postAndShow(call, `status ${status}`)) !== 200) result.exitCode = 1;
      else {
        const moved = (row: MessageRow) => (status === 'read' ? row.read_at !== null : row.status === status);
        result.rows = await pollRows(db, channel.id, outbound.providerMessageId, (rows) => rows.some(moved));
        showRows(
          output,
          result.rows.some(moved) ? result.rows : [],
          `the row did not become ${status} within 10 s (is the status-worker running?)`,
        );
        const arrived = await receiver.waitUntil(
          (events) => events.some((event) => event.type === `message.${status}` && event.data['message_id'] === messageId),
          EVENT_WAIT_MS,
        );
        await sleep(200);
        result.events = receiver.events.filter((event) => event.data['message_id'] === messageId);
        showEvents(output, result.events, `no message.${status} within 10 s (is the event-dispatcher running?)`);
        if (!result.rows.some(moved) || !arrived) result.exitCode = 1;
      }
    }
    if (result.events.some((event) => !event.verified)) result.exitCode = 1;
    return result;
  } finally {
    if (subscriptionId) await admin.deleteSubscription(subscriptionId).catch(() => undefined);
    if (subscriptionId) output.line(`subscription ${subscriptionId} deleted`);
    if (api && apiChannelId) {
      // While the stand-in still answers: the gateway deletes the webhook there and will not call it again.
      const deactivated = await admin.updateChannel(apiChannelId, { is_active: false }).catch(() => undefined);
      if (deactivated)
        output.line(
          `channel ${apiChannelId} deactivated (webhook ${deactivated.webhook.status}; ${api.webhookCount(deactivated.webhook_url)} left at the stand-in)`,
        );
    }
    await api?.stop();
    await receiver.stop();
    await db.close();
  }
}

/** What the provider's side signs with: the demo channel's generated secrets, or what the gateway or this machine holds. */
async function signingSecrets(
  provider: ProviderKind,
  channelSecrets: Record<string, string>,
  channelId: string,
  db: DbProbe,
  settings: SimulatorSettings,
): Promise<Record<string, string>> {
  if (provider.kind === 'telegram') return telegramSecrets(db, channelId, settings);
  // SNS signs with one key for every topic: the machine's development key, read for each run rather than copied per channel.
  if (provider.kind === 'ses' && settings.snsDevPrivateKeyFile !== undefined)
    return { ...channelSecrets, sns_private_key: readFileSync(settings.snsDevPrivateKeyFile, 'utf8') };
  return channelSecrets;
}

/** Telegram's secret is chosen by the gateway and never shown: read it from the channel row with CREDENTIALS_KEY. */
async function telegramSecrets(db: DbProbe, channelId: string, settings: SimulatorSettings): Promise<Record<string, string>> {
  const stored = await db.channelCredentials(channelId);
  if (!stored) throw new Error(`channel ${channelId} is not in the database at DATABASE_URL`);
  const cipher = new CredentialsCipher(settings.credentialsKey ? Buffer.from(settings.credentialsKey, 'base64') : undefined);
  const secret = cipher.open(channelId, stored)['webhook_secret'];
  if (typeof secret !== 'string') throw new Error(`channel ${channelId} has no webhook_secret yet`);
  return { webhook_secret: secret };
}

async function pollRows(db: DbProbe, channelId: string, providerMessageId: string, done: (rows: MessageRow[]) => boolean) {
  const deadline = Date.now() + ROW_WAIT_MS;
  let rows = await db.messagesByProviderId(channelId, providerMessageId);
  while (!done(rows) && Date.now() < deadline) {
    await sleep(100);
    rows = await db.messagesByProviderId(channelId, providerMessageId);
  }
  return rows;
}

function showRows(output: Output, rows: MessageRow[], none: string): void {
  if (rows.length === 0) output.line(`row:         ${none}`);
  for (const row of rows) output.line(`row:         messages ${row.id}: ${describeRow(row)}`);
}

function showEvents(output: Output, events: ReceivedEvent[], none: string): void {
  if (events.length === 0) output.line(`event:       ${none}`);
  for (const event of events) output.line(`event:       ${describeEvent(event)}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
