/**
 * One simulator run: the demo channel, a subscribed local receiver, the scenario's provider
 * call(s), then what the pipeline made of them (answer, rows, counters, outbound events).
 */
import { CredentialsCipher } from '@inbound/domain';
import type { Scenario, SimulatorOptions, StatusScenario } from './args';
import { STATUS_SCENARIOS } from './args';
import { AdminClient } from './admin-client';
import { runCampaign, type CampaignSummary } from './campaign';
import { DbProbe, type MessageRow } from './db-probe';
import { demoChannel } from './demo-channel';
import { describeEvent, describeRow, type Output } from './output';
import { PROVIDER_KINDS, UNSUPPORTED_KINDS, wrongSecrets, type CallTarget, type ProviderCall, type ProviderKind } from './provider-calls';
import { EventReceiver, type ReceivedEvent } from './receiver';
import type { SimulatorSettings } from './settings';

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
      .flatMap((kind) => (kind?.batches ? [kind.kind] : []))
      .join(', ')}`;
  return undefined;
}

export async function simulate(options: SimulatorOptions, settings: SimulatorSettings, output: Output): Promise<SimulationResult> {
  const result: SimulationResult = { exitCode: 0, answers: [], rows: [], events: [] };
  const provider = PROVIDER_KINDS[options.kind];
  if (!provider) {
    output.line(UNSUPPORTED_KINDS[options.kind] ?? `${options.kind}: not supported yet`);
    return { ...result, exitCode: 2 };
  }
  const choice = chooseScenario(provider, options);
  if ('refusal' in choice) {
    output.line(choice.refusal);
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

    // Telegram's secret is read from the channel row; a stand-in API's from the webhook registered there, as the provider knows it.
    const secrets =
      provider.kind === 'telegram'
        ? await telegramSecrets(db, channel.id, settings)
        : api
          ? api.secretsFor(channel.webhook_url)
          : demo.secrets;
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
    } else if (scenario !== 'inbound') {
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
