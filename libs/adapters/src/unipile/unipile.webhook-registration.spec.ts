import type { Credentials } from '../shared/credential-rules';
import type { ProviderApiAccess, ProviderHttp, RegistrationOutcome } from '../shared/provider-definition';
import { createProviderHttp } from '../shared/provider-http';
import { FakeUnipileApi, UNIPILE_INVALID_CREDENTIALS } from './testing/fake-unipile-api';
import { unipileProvider } from './unipile.provider';

/** Registration against the local stand-in of Unipile's API, over real HTTP with the gateway's own client. */

const URL_OF_CHANNEL = 'https://hooks.example.test/webhooks/unipile/4f1c2b7e-9d3a-4e6b-8c1d-2a3b4c5d6e7f';
const SECRET = 'stored-secret-0123456789abcdefghijklmnopqrstu';
const ACCOUNT = 'dfXlh46vQYCsMbVarumWlg';
const OTHER_ACCOUNT = 'Qw3rTy0uIoPaSdFgHjKlZx';

describe('Unipile webhook registration', () => {
  const unipile = new FakeUnipileApi({
    accounts: [
      { id: ACCOUNT, name: 'Kim Unipile', type: 'LINKEDIN' },
      { id: OTHER_ACCOUNT, type: 'WHATSAPP' },
    ],
  });
  const http = createProviderHttp();
  const setup = unipileProvider.webhook;
  const credentials = (extra: Credentials = {}): Credentials => ({
    api_url: unipile.url,
    api_key: unipile.apiKey,
    webhook_secret: SECRET,
    ...extra,
  });
  // UNIPILE_API_BASE_URL unset: the channel's own api_url is used.
  const api: () => ProviderApiAccess = () => ({ baseUrl: null, http });
  const register = (extra: Credentials = {}) => setup.register(api(), URL_OF_CHANNEL, credentials(extra));
  const ours = () => unipile.webhooksFor(URL_OF_CHANNEL);
  const registered = (outcome: RegistrationOutcome, webhookId: string) =>
    expect(outcome).toEqual({
      webhook: { status: 'registered', url: URL_OF_CHANNEL, registered_at: expect.any(String) },
      credentials: { webhook_id: webhookId },
    });

  beforeAll(() => unipile.start());
  afterAll(() => unipile.stop());
  beforeEach(() => unipile.reset());

  it('creates one messaging webhook carrying the secret header, with X-API-KEY, and stores its id', async () => {
    const outcome = await register({ account_ids: [ACCOUNT] });
    const [webhook, ...others] = ours();
    expect(others).toEqual([]);
    registered(outcome, webhook.id);
    expect(unipile.callsOf('POST')).toEqual([
      {
        method: 'POST',
        path: '/api/v1/webhooks',
        apiKey: unipile.apiKey,
        body: {
          request_url: URL_OF_CHANNEL,
          source: 'messaging',
          name: 'messaging-inbound 4f1c2b7e-9d3a-4e6b-8c1d-2a3b4c5d6e7f',
          format: 'json',
          headers: [{ key: 'X-Unipile-Webhook-Secret', value: SECRET }],
          account_ids: [ACCOUNT],
        },
      },
    ]);
    expect(unipile.calls.every((call) => call.apiKey === unipile.apiKey)).toBe(true);
  });

  it('registering again changes nothing at Unipile: one list, no create, no delete', async () => {
    const first = await register();
    const id = ours()[0].id;
    unipile.calls.length = 0;
    registered(await register({ webhook_id: id }), id);
    registered(await register(), id);
    expect(unipile.calls.map((call) => call.method)).toEqual(['GET', 'GET']);
    expect(ours()).toHaveLength(1);
    expect(first.credentials).toEqual({ webhook_id: id });
  });

  it('leaves the webhooks of other URLs alone', async () => {
    const foreign = unipile.inject({
      request_url: 'https://crm.example.com/unipile',
      headers: [{ key: 'X-Unipile-Webhook-Secret', value: 'theirs' }],
    });
    await register();
    expect(unipile.allWebhooks().map((webhook) => webhook.id)).toContain(foreign);
    expect(unipile.callsOf('DELETE')).toEqual([]);
  });

  it('deletes duplicates for the URL, keeping the stored webhook', async () => {
    const header = [{ key: 'X-Unipile-Webhook-Secret', value: SECRET }];
    const copy = unipile.inject({ request_url: URL_OF_CHANNEL, headers: header });
    const stored = unipile.inject({ request_url: URL_OF_CHANNEL, headers: header });
    const bare = unipile.inject({ request_url: URL_OF_CHANNEL });
    registered(await register({ webhook_id: stored }), stored);
    expect(ours().map((webhook) => webhook.id)).toEqual([stored]);
    expect(
      unipile
        .callsOf('DELETE')
        .map((call) => call.path)
        .sort(),
    ).toEqual([`/api/v1/webhooks/${copy}`, `/api/v1/webhooks/${bare}`].sort());
    expect(unipile.callsOf('POST')).toEqual([]);
  });

  it.each([
    ['another secret in the header', { headers: [{ key: 'X-Unipile-Webhook-Secret', value: 'changed-in-the-dashboard' }] }],
    ['no secret header', { headers: [{ key: 'Content-Type', value: 'application/json' }] }],
    [
      'the secret header twice',
      {
        headers: [
          { key: 'X-Unipile-Webhook-Secret', value: SECRET },
          { key: 'x-unipile-webhook-secret', value: 'other' },
        ],
      },
    ],
    ['disabled', { enabled: false }],
    ['form bodies', { format: 'form' as const }],
    ['other accounts', { account_ids: [{ id: OTHER_ACCOUNT, type: 'WHATSAPP' }] }],
  ])('replaces a webhook that drifted (%s): the new one first, then the old one goes', async (_what, drift) => {
    await register({ account_ids: [ACCOUNT] });
    const [before] = ours();
    unipile.edit(before.id, drift);
    unipile.calls.length = 0;
    const outcome = await register({ account_ids: [ACCOUNT], webhook_id: before.id });
    const [after, ...others] = ours();
    expect(others).toEqual([]);
    expect(after.id).not.toBe(before.id);
    registered(outcome, after.id);
    expect(after).toMatchObject({
      enabled: true,
      format: 'json',
      headers: [{ key: 'X-Unipile-Webhook-Secret', value: SECRET }],
      account_ids: [{ id: ACCOUNT }],
    });
    // Unipile's v1 API has no update: created, then deleted, so Unipile never has none to call.
    expect(unipile.calls.map((call) => call.method)).toEqual(['GET', 'POST', 'DELETE']);
  });

  it('a channel for every account does not compare the account list Unipile shows', async () => {
    unipile.inject({
      request_url: URL_OF_CHANNEL,
      headers: [{ key: 'X-Unipile-Webhook-Secret', value: SECRET }],
      account_ids: [{ id: ACCOUNT, type: 'LINKEDIN' }],
    });
    await register();
    expect(unipile.callsOf('POST')).toEqual([]);
    expect(ours()).toHaveLength(1);
  });

  it('reads every page of the list before deciding', async () => {
    const paged = new FakeUnipileApi({ pageSize: 2 });
    await paged.start();
    try {
      for (let index = 0; index < 5; index++) paged.inject({ request_url: `https://crm.example.com/hook/${index}` });
      const last = paged.inject({ request_url: URL_OF_CHANNEL, headers: [{ key: 'X-Unipile-Webhook-Secret', value: SECRET }] });
      const outcome = await setup.register({ baseUrl: null, http }, URL_OF_CHANNEL, {
        api_url: paged.url,
        api_key: paged.apiKey,
        webhook_secret: SECRET,
      });
      registered(outcome, last);
      expect(paged.callsOf('GET')).toHaveLength(3);
      expect(paged.callsOf('POST')).toEqual([]);
    } finally {
      await paged.stop();
    }
  });

  it("a refusal leaves failed with Unipile's own words, changes nothing, and never shows the API key", async () => {
    unipile.refuseNext(UNIPILE_INVALID_CREDENTIALS);
    const outcome = await register();
    expect(outcome).toEqual({
      webhook: {
        status: 'failed',
        url: URL_OF_CHANNEL,
        error: 'listing the webhooks: HTTP 401 errors/invalid_credentials: Invalid credentials: The provided credentials are invalid.',
        failed_at: expect.any(String),
      },
    });
    expect(JSON.stringify(outcome)).not.toContain(unipile.apiKey);
    expect(unipile.allWebhooks()).toEqual([]);
  });

  it("a wrong key is Unipile's own 401", async () => {
    const outcome = await register({ api_key: 'not-the-right-key' });
    expect(outcome.webhook).toMatchObject({ status: 'failed', error: expect.stringContaining('errors/invalid_credentials') });
  });

  it('a refused creation and a refused deletion are failures too; the webhook in use is still stored', async () => {
    unipile.refuseNext(
      {
        status: 400,
        body: { status: 400, type: 'errors/invalid_parameters', title: 'Invalid parameters', detail: 'request_url is invalid.' },
      },
      'POST',
    );
    expect((await register()).webhook).toMatchObject({
      status: 'failed',
      error: 'creating the webhook: HTTP 400 errors/invalid_parameters: Invalid parameters: request_url is invalid.',
    });

    const kept = unipile.inject({ request_url: URL_OF_CHANNEL, headers: [{ key: 'X-Unipile-Webhook-Secret', value: SECRET }] });
    const extra = unipile.inject({ request_url: URL_OF_CHANNEL });
    const http503: ProviderHttp = async (request) =>
      request.method === 'DELETE'
        ? { status: 503, data: { status: 503, type: 'errors/service_unavailable', title: 'Service unavailable' } }
        : http(request);
    const outcome = await setup.register({ baseUrl: null, http: http503 }, URL_OF_CHANNEL, credentials({ webhook_id: kept }));
    expect(outcome).toEqual({
      webhook: {
        status: 'failed',
        url: URL_OF_CHANNEL,
        error: `deleting webhook ${extra}: HTTP 503 errors/service_unavailable: Service unavailable`,
        failed_at: expect.any(String),
      },
      credentials: { webhook_id: kept },
    });
  });

  it('an unreachable Unipile is a failure naming where it was looked for', async () => {
    const outcome = await register({ api_url: 'http://127.0.0.1:9' });
    expect(outcome.webhook).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^listing the webhooks: Unipile could not be reached at http:\/\/127\.0\.0\.1:9: /),
    });
  });

  it('UNIPILE_API_BASE_URL, when set, is used in place of the stored DSN', async () => {
    const outcome = await setup.register(
      { baseUrl: unipile.url, http },
      URL_OF_CHANNEL,
      credentials({ api_url: 'https://api8.unipile.com:13851' }),
    );
    expect(outcome.webhook.status).toBe('registered');
    expect(ours()).toHaveLength(1);
  });

  it('never registers without a stored secret', async () => {
    await expect(setup.register(api(), URL_OF_CHANNEL, { api_url: unipile.url, api_key: unipile.apiKey })).rejects.toThrow(
      'a Unipile webhook is registered only with a stored webhook_secret',
    );
    expect(unipile.calls).toEqual([]);
  });

  it('unregistering deletes every webhook for the URL and nothing else', async () => {
    await register();
    unipile.inject({ request_url: URL_OF_CHANNEL });
    const foreign = unipile.inject({ request_url: 'https://crm.example.com/unipile' });
    await expect(setup.unregister(api(), credentials(), URL_OF_CHANNEL)).resolves.toEqual({ ok: true });
    expect(ours()).toEqual([]);
    expect(unipile.allWebhooks().map((webhook) => webhook.id)).toEqual([foreign]);
    // Again: nothing left to delete is no error.
    await expect(setup.unregister(api(), credentials(), URL_OF_CHANNEL)).resolves.toEqual({ ok: true });
  });

  it('unregistering reports a refusal', async () => {
    unipile.refuseNext();
    await expect(setup.unregister(api(), credentials(), URL_OF_CHANNEL)).resolves.toEqual({
      ok: false,
      error: 'listing the webhooks: HTTP 401 errors/invalid_credentials: Invalid credentials: The provided credentials are invalid.',
    });
  });
});
