/** The command line of `npm run simulate`: kinds, scenarios, flags, and the help text. */

export const KINDS = [
  'telegram',
  'whatsapp',
  'messenger',
  'sms',
  'resend',
  'sendgrid',
  'ses',
  'mailgun',
  'postmark',
  'bridge',
  'unipile',
] as const;
export type Kind = (typeof KINDS)[number];

export const STATUS_SCENARIOS = ['sent', 'delivered', 'read', 'failed'] as const;
export type StatusScenario = (typeof STATUS_SCENARIOS)[number];
export const SCENARIOS = ['inbound', ...STATUS_SCENARIOS, 'bad-signature', 'campaign', 'subscription'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface SimulatorOptions {
  kind: Kind;
  /** Undefined: the kind's default (inbound for chat channels, delivered for email providers). */
  scenario?: Scenario;
  url?: string;
  token?: string;
  account?: string;
  messages: number;
  rate: number;
  batch?: number;
}

/** A command line the simulator refuses: printed as one line, exit code 2. */
export class UsageError extends Error {}

export const DEMO_ACCOUNT_ID = '5e1f0c2a-0d3b-4c8e-9a71-51a7e0de0001';

export const HELP = `Usage: npm run simulate -- <kind> [scenario] [options]

Sends signed provider webhooks to the local gateway (started with \`npm start\`) and shows
what the pipeline made of them: the HTTP answer, the rows in PostgreSQL, campaign counters,
and the outbound events a subscriber receives.

Kinds:     ${KINDS.join(', ')}
Scenarios:
  inbound          an inbound message (default for telegram, whatsapp, messenger, sms, bridge, unipile)
  sent|delivered|read|failed
                   a status update for an outbound message the simulator seeds first
                   (default: delivered for the email providers, which report statuses only)
  bad-signature    the same call signed with a wrong key: expects 401, nothing stored
  campaign         a group message of --messages outbound rows, then sent, delivered and read
                   for each at --rate calls per second (whatsapp, sendgrid)
  subscription     an SNS SubscriptionConfirmation (ses): expects 200 and the gateway to confirm
                   it by visiting its SubscribeURL, served here by a local stand-in for SNS

Options:
  --url <origin>      gateway origin (default http://localhost:$PORT, PORT from .env or 3000)
  --token <token>     admin API token (default ADMIN_API_TOKEN from the environment or .env)
  --account <uuid>    account of the demo channel and subscription (default ${DEMO_ACCOUNT_ID})
  --messages <N>      campaign size (default 1000)
  --rate <R>          campaign calls per second (default 50)
  --batch <B>         campaign statuses per call (default 20)
  -h, --help          this text

The simulator creates one demo channel per kind ("simulator <kind>") through POST /channels with
credentials it generates, and remembers it in .simulator.json (git-ignored) to reuse it. The
platform has no API for sending, so outbound messages (status and campaign scenarios) are
inserted straight into PostgreSQL at DATABASE_URL, as the sending side would. Each run subscribes
a local receiver to every event (POST /subscriptions), verifies each delivery's signature and
deletes the subscription at the end.

ses signs as SNS does, with the development key npm start makes (SNS_DEV_PRIVATE_KEY_FILE in
.env); the gateway trusts its certificate through SNS_DEV_CERTIFICATE_FILE, in development and
tests only, instead of one downloaded from AWS.

unipile: the gateway registers a Unipile channel's webhook through Unipile's API, which needs a
Unipile account. The simulator runs a local stand-in of that API for the run instead: the demo
channel's api_url points at it, the gateway creates its webhook there, the simulator sends
Unipile's calls with the secret header that webhook carries, and at the end it deactivates the
channel (the gateway deletes the webhook), so the gateway never calls the stopped stand-in; the
next run reactivates it. A gateway started with UNIPILE_API_BASE_URL registers elsewhere: leave
that variable unset for the simulator.

The bridge kind reports sent and failed only (a WhatsApp Web bridge's contract has no delivered
or read); unipile reports read only.`;

/** Parses argv (after `--`). Returns undefined for --help. */
export function parseArgs(argv: readonly string[]): SimulatorOptions | undefined {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '-h' || arg === '--help') return undefined;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
      if (!['url', 'token', 'account', 'messages', 'rate', 'batch'].includes(name)) throw new UsageError(`unknown option --${name}`);
      const value = inline ?? argv[++index];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else positional.push(arg);
  }
  const [kind, scenario, ...rest] = positional;
  if (kind === undefined) throw new UsageError(`name a kind: ${KINDS.join(', ')} (npm run simulate -- --help)`);
  if (!(KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown kind "${kind}"; one of ${KINDS.join(', ')}`);
  if (scenario !== undefined && !(SCENARIOS as readonly string[]).includes(scenario))
    throw new UsageError(`unknown scenario "${scenario}"; one of ${SCENARIOS.join(', ')}`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const account = flags.get('account');
  if (account !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(account))
    throw new UsageError('--account must be a UUID');
  const url = flags.get('url');
  if (url !== undefined && !/^https?:\/\/[^/]+\/?$/.test(url)) throw new UsageError('--url must be an origin, e.g. http://localhost:3000');
  return {
    kind: kind as Kind,
    scenario: scenario as Scenario | undefined,
    url: url?.replace(/\/$/, ''),
    token: flags.get('token'),
    account,
    messages: positiveInteger(flags, 'messages', 1000, 100_000),
    rate: positiveInteger(flags, 'rate', 50, 10_000),
    batch: flags.has('batch') ? positiveInteger(flags, 'batch', 20, 1000) : undefined,
  };
}

function positiveInteger(flags: Map<string, string>, name: string, fallback: number, max: number): number {
  const text = flags.get(name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}`);
  return Number(text);
}
