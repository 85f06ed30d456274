/**
 * The campaign scenario: a group message of N outbound rows seeded in one statement, then sent,
 * delivered and read for every row at R calls per second, several statuses per call, and how
 * long the counters took to settle after the last call was answered.
 */
import { median } from '../bench/bench-figures';
import type { StatusScenario } from './args';
import type { CampaignCounters, DbProbe } from './db-probe';
import type { Output } from './output';
import type { CallTarget, ProviderCall, ProviderKind, StatusItem } from './provider-calls';
import type { EventReceiver } from './receiver';

export interface CampaignSummary {
  groupMessageId: string;
  messages: number;
  calls: number;
  accepted: number;
  statuses: number;
  sendSeconds: number;
  /** The median time from sending a call to its answer. */
  callMedianMs: number;
  /** From the last answer until the counters held their final values; undefined when they never did. */
  lagMs?: number;
  counters: CampaignCounters;
  eventCounts: Record<string, number>;
}

/** Calls awaiting their answer at once: with slow answers, this and not --rate bounds the pace. */
export const CAMPAIGN_CALLS_IN_FLIGHT = 32;

/**
 * A line saying that the campaign sent its calls slower than asked (`reached`: calls per second from the first call
 * sent to the last), and why it could not go faster; undefined when it reached at least nine tenths of the rate.
 */
export function rateShortfall(asked: number, reached: number, callMedianMs: number): string | undefined {
  if (!(reached < asked * 0.9)) return undefined;
  // Answers of this median allow about this many calls per second with CAMPAIGN_CALLS_IN_FLIGHT of them outstanding.
  const bound = callMedianMs > 0 ? (CAMPAIGN_CALLS_IN_FLIGHT * 1000) / callMedianMs : Number.POSITIVE_INFINITY;
  const why =
    bound < asked
      ? `at most ${CAMPAIGN_CALLS_IN_FLIGHT} calls wait for an answer at once, and the gateway answered in a median of ${Math.round(callMedianMs)} ms (about ${Math.round(bound)} calls/s)`
      : 'this process could not send them faster';
  return `rate:        asked ${asked} calls/s, reached ${reached.toFixed(1)}: ${why}`;
}

export async function runCampaign(
  provider: ProviderKind,
  context: {
    accountId: string;
    channelId: string;
    target: CallTarget;
    db: DbProbe;
    receiver: EventReceiver;
    output: Output;
    post: (call: ProviderCall) => Promise<number>;
  },
  settings: { messages: number; rate: number; batch: number },
): Promise<CampaignSummary> {
  const { db, output, receiver } = context;
  if (!provider.campaignIds) throw new Error(`${provider.kind} runs no campaign`);
  const ids = provider.campaignIds();
  const groupMessageId = await db.seedCampaign(context.accountId, context.channelId, settings.messages, ids);
  output.line(`seeded group message ${groupMessageId}: ${settings.messages} outbound rows (one INSERT … SELECT generate_series)`);

  const steps = (['sent', 'delivered', 'read'] as const).filter((status): status is StatusScenario & typeof status =>
    provider.statuses.includes(status),
  );
  const items: StatusItem[] = steps.flatMap((status) =>
    Array.from({ length: settings.messages }, (_, n) => ({
      providerMessageId: `${ids.idPrefix}${n}`,
      recipient: `${ids.recipientPrefix}${n}${ids.recipientSuffix}`,
      status,
    })),
  );
  const batches: StatusItem[][] = [];
  for (let start = 0; start < items.length; start += settings.batch) batches.push(items.slice(start, start + settings.batch));
  output.line(
    `sending ${steps.join(', ')} for each: ${items.length} statuses in ${batches.length} calls of up to ${settings.batch}, ${settings.rate} calls/s`,
  );

  let answered = 0;
  let accepted = 0;
  const answers = new Map<number, number>();
  const callMs: number[] = [];
  const started = Date.now();
  let lastSentAt = started;
  const inFlight = new Set<Promise<void>>();
  for (let index = 0; index < batches.length; index++) {
    const due = started + (index * 1000) / settings.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inFlight.size >= CAMPAIGN_CALLS_IN_FLIGHT) await Promise.race(inFlight);
    const call = provider.statusCall(context.target, batches[index]);
    const sentAt = performance.now();
    lastSentAt = Date.now();
    const attempt = context
      .post(call)
      .catch(() => 0)
      .then((status) => {
        callMs.push(performance.now() - sentAt);
        answered++;
        answers.set(status, (answers.get(status) ?? 0) + 1);
        if (status === 200) accepted++;
        output.progress(answered, batches.length, `calls answered, ${accepted} accepted`);
      });
    const tracked = attempt.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
  const lastAnswer = Date.now();
  output.endProgress();
  const sendSeconds = (lastAnswer - started) / 1000;
  const callMedianMs = callMs.length > 0 ? median(callMs) : 0;
  if (accepted < batches.length)
    output.line(`answers: ${[...answers].map(([status, count]) => `${count}× ${status || 'no answer'}`).join(', ')}`);

  // The counters settle when every message is delivered and read (or nothing moves for a while).
  const expectRead = steps.includes('read');
  const final = (counters: CampaignCounters) =>
    counters.delivered_count + counters.failed_count >= settings.messages && (!expectRead || counters.read_count >= settings.messages);
  let counters = await db.campaignCounters(groupMessageId);
  let lagMs: number | undefined;
  let lastChange = Date.now();
  while (!final(counters)) {
    await sleep(50);
    const next = await db.campaignCounters(groupMessageId);
    if (JSON.stringify(next) !== JSON.stringify(counters)) lastChange = Date.now();
    counters = next;
    if (Date.now() - lastChange > 15_000) break;
  }
  if (final(counters)) lagMs = Date.now() - lastAnswer;

  // Outbound events: one per change of each message, and campaign.completed.
  const ofCampaign = () => receiver.events.filter((event) => event.data['group_message_id'] === groupMessageId);
  const allArrived = () =>
    ofCampaign().some((event) => event.type === 'campaign.completed') &&
    ofCampaign().filter((event) => event.type === 'message.delivered').length >= settings.messages &&
    (!expectRead || ofCampaign().filter((event) => event.type === 'message.read').length >= settings.messages);
  // A big campaign's events keep arriving well after its counters settle: wait while they still come.
  let seen = -1;
  while (!allArrived() && ofCampaign().length > seen) {
    seen = ofCampaign().length;
    await receiver.waitUntil(allArrived, 10_000);
  }
  await sleep(300);
  const eventCounts: Record<string, number> = {};
  for (const event of ofCampaign()) eventCounts[event.type] = (eventCounts[event.type] ?? 0) + 1;
  const unverified = ofCampaign().filter((event) => !event.verified).length;

  output.line(`calls:       ${batches.length} (${accepted} accepted)`);
  output.line(`statuses:    ${items.length}`);
  output.line(
    `throughput:  ${(batches.length / sendSeconds).toFixed(1)} calls/s, ${(items.length / sendSeconds).toFixed(0)} statuses/s over ${sendSeconds.toFixed(2)} s`,
  );
  // The pace of sending, without the wait for the last answer (which would make any short campaign look slow).
  const sendingSeconds = (lastSentAt - started) / 1000;
  const reached = batches.length > 1 && sendingSeconds > 0 ? (batches.length - 1) / sendingSeconds : settings.rate;
  const shortfall = rateShortfall(settings.rate, reached, callMedianMs);
  if (shortfall) output.line(shortfall);
  output.line(
    `lag:         ${lagMs === undefined ? 'the counters did not reach their final values' : `${lagMs} ms after the last answer`}`,
  );
  output.line(
    `counters:    total ${counters.total_count}, delivered ${counters.delivered_count}, read ${counters.read_count}, failed ${counters.failed_count}, status ${counters.status}`,
  );
  output.line(
    `subscriber:  ${
      Object.entries(eventCounts)
        .map(([type, count]) => `${count} ${type}`)
        .join(', ') || 'no events'
    }${unverified ? ` (${unverified} NOT VERIFIED)` : ', every signature verified'}`,
  );
  return {
    groupMessageId,
    messages: settings.messages,
    calls: batches.length,
    accepted,
    statuses: items.length,
    sendSeconds,
    callMedianMs,
    lagMs,
    counters,
    eventCounts,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
