import type { EnvVariables, IntegerVariable, TextVariable, UrlVariable } from './env-variable';

const BODY_LIMIT_BOUNDS = { min: 1024, max: 64 * 1024 * 1024 } as const;

/** Where subscriber webhooks may point: checked by the gateway when a URL is stored and by the dispatcher when it connects. */
export const OUTBOUND_DESTINATION_VARIABLES = {
  outboundAllowPrivateUrls: {
    name: 'OUTBOUND_ALLOW_PRIVATE_URLS',
    kind: 'boolean',
    default: false,
    meaning:
      'accept subscriber URLs whose host is or resolves to a loopback, private (RFC 1918, `fc00::/7`), link-local, CGNAT or unspecified address, over `http` even in production (tests, on-premises); cloud metadata addresses stay refused',
  },
} as const satisfies EnvVariables;

/** The webhook-gateway's own variables (besides the common ones, the credentials keys and the providers'). */
export const GATEWAY_VARIABLES = {
  port: { name: 'PORT', kind: 'integer', default: 3000, min: 1, max: 65535, meaning: 'HTTP port for everything the gateway serves' },
  webhookBaseUrl: {
    name: 'WEBHOOK_BASE_URL',
    kind: 'url',
    default: 'http://localhost:3000',
    schemes: ['http', 'https'],
    dropTrailingSlash: true,
    meaning: 'public origin providers call: builds `webhook_url` and the URL Twilio signatures are checked against',
  },
  adminApiToken: {
    name: 'ADMIN_API_TOKEN',
    kind: 'text',
    minLength: 16,
    meaning: 'bearer token of the admin API; unset: the admin API answers 404',
  },
  verifyWebhookSignatures: {
    name: 'VERIFY_WEBHOOK_SIGNATURES',
    kind: 'boolean',
    default: true,
    constraint: '`false` only with `NODE_ENV=development`',
    meaning: '`false` skips every signature check',
  },
  bodyLimitBytes: {
    name: 'BODY_LIMIT_BYTES',
    kind: 'integer',
    default: 1024 * 1024,
    ...BODY_LIMIT_BOUNDS,
    meaning: 'largest body of the admin API and of the webhook routes without a limit of their own; larger gets 413',
  },
  trustProxyHops: {
    name: 'TRUST_PROXY_HOPS',
    kind: 'integer',
    default: 0,
    min: 0,
    max: 10,
    meaning: 'proxies whose `X-Forwarded-For` is believed for the source address (0: the TCP peer)',
  },
  signatureFailureLimit: {
    name: 'SIGNATURE_FAILURE_LIMIT',
    kind: 'integer',
    default: 20,
    min: 0,
    max: 1_000_000,
    meaning: 'failed verifications per address and window before 429; 0 turns the throttle off',
  },
  signatureFailureWindowMs: {
    name: 'SIGNATURE_FAILURE_WINDOW_MS',
    kind: 'integer',
    default: 60_000,
    min: 1_000,
    max: 3_600_000,
    meaning: "the throttle's fixed window",
  },
  publishConfirmTimeoutMs: {
    name: 'PUBLISH_CONFIRM_TIMEOUT_MS',
    kind: 'integer',
    default: 5_000,
    min: 100,
    max: 60_000,
    meaning: 'longest wait for a broker confirm (and for opening a connection) before the events go to the spool',
  },
  ...OUTBOUND_DESTINATION_VARIABLES,
  realtimeHeartbeatMs: {
    name: 'REALTIME_HEARTBEAT_MS',
    kind: 'integer',
    default: 20_000,
    min: 100,
    max: 300_000,
    meaning:
      'realtime stream: ping and `heartbeat` frame interval; a socket with no pong since the last one is closed (4408 when events were sent since, else cut)',
  },
  realtimeTokenSecret: {
    name: 'REALTIME_TOKEN_SECRET',
    kind: 'text',
    minLength: 32,
    constraint: 'required when `NODE_ENV=production`; every replica needs the same value',
    meaning: 'signs the tokens of the realtime stream (`POST /realtime/tokens`); unset outside production: a random key per process',
  },
} as const satisfies EnvVariables;

/** What the provider definitions say about their variables (libs/adapters, which this library may not import). */
export interface ProviderSettings {
  /** `providerApiSettings()`: one API origin per variable; a null default leaves the variable unset unless given. */
  apiSettings: ReadonlyArray<{ baseUrlVariable: string; defaultBaseUrl: string | null }>;
  /** `webhookBodyLimits()`: the larger body limit of a channel type's webhook route. */
  bodyLimits: ReadonlyArray<{ channelType: string; limit: { variable: string; defaultBytes: number } }>;
  /** `providerDevelopmentFiles()`: files read for local development only. */
  developmentFiles: ReadonlyArray<{ variable: string; meaning: string }>;
}

export interface ProviderVariables {
  apiBaseUrls: UrlVariable[];
  bodyLimits: IntegerVariable[];
  developmentFiles: TextVariable[];
}

/** Where a development file may be named: anywhere else the gateway refuses to start. */
export const DEVELOPMENT_FILE_ENVIRONMENTS = ['development', 'test'] as const;

export function providerVariables(providers: ProviderSettings): ProviderVariables {
  const routesByLimit = new Map<string, { defaultBytes: number; channelTypes: string[] }>();
  for (const { channelType, limit } of providers.bodyLimits) {
    const routes = routesByLimit.get(limit.variable) ?? { defaultBytes: limit.defaultBytes, channelTypes: [] };
    routes.channelTypes.push(channelType);
    routesByLimit.set(limit.variable, routes);
  }
  return {
    apiBaseUrls: providers.apiSettings.map(({ baseUrlVariable, defaultBaseUrl }) => ({
      name: baseUrlVariable,
      kind: 'url',
      // Without a default the variable is optional: unset, each channel's own API origin is used.
      ...(defaultBaseUrl === null ? {} : { default: defaultBaseUrl }),
      schemes: ['http', 'https'],
      dropTrailingSlash: true,
      meaning:
        defaultBaseUrl === null
          ? "origin of the provider API the gateway registers webhooks through, in place of the one each channel's credentials name (tests use a local fake)"
          : 'origin of the provider API the gateway registers webhooks through (tests use a local fake)',
    })),
    bodyLimits: [...routesByLimit].map(([name, { defaultBytes, channelTypes }]) => ({
      name,
      kind: 'integer',
      default: defaultBytes,
      ...BODY_LIMIT_BOUNDS,
      meaning: `largest body on ${channelTypes.map((channelType) => `\`/webhooks/${channelType}/*\``).join(' and ')}`,
    })),
    developmentFiles: providers.developmentFiles.map(({ variable, meaning }) => ({
      name: variable,
      kind: 'text',
      constraint: `path of a readable file; only with \`NODE_ENV=${DEVELOPMENT_FILE_ENVIRONMENTS.join('` or `')}\``,
      meaning,
    })),
  };
}
