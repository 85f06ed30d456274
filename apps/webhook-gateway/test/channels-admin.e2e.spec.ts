import { Channel, CredentialsCipher } from '@inbound/domain';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { FakeBotApi } from '@inbound/testing';
import { ACCOUNT_ID, CREDENTIALS_KEY, migratedDataSource, startGateway, type RunningGateway } from './support/gateway-harness';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const NEW_BOT_TOKEN = '987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDxyz';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('channel admin API', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;
  let telegram: FakeBotApi;

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    telegram = new FakeBotApi();
    await telegram.start();
    gateway = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN, TELEGRAM_API_BASE_URL: telegram.url });
  });

  afterAll(async () => {
    await gateway?.stop();
    await telegram?.stop();
    await dataSource?.destroy();
  });

  const api = async (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => {
    const response = await fetch(`${gateway.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const create = (channel_type: string, credentials: Json) =>
    api('POST', '/channels', { account_id: ACCOUNT_ID, channel_type, name: `${channel_type} channel`, credentials });
  const storedCredentials = async (id: string) => (await dataSource.getRepository(Channel).findOneByOrFail({ id })).credentials;
  const telegramUpdate = (messageId: number) =>
    JSON.stringify({
      update_id: 1000 + messageId,
      message: {
        message_id: messageId,
        from: { id: 42, is_bot: false, first_name: 'Ada' },
        chat: { id: 42, type: 'private', first_name: 'Ada' },
        date: 1735689600,
        text: 'hi',
      },
    });
  const postTelegram = (id: string, secret: string, messageId = 1) =>
    fetch(`${gateway.baseUrl}/webhooks/telegram/${id}`, {
      method: 'POST',
      body: telegramUpdate(messageId),
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    });

  describe('authorisation', () => {
    it('401 without a token and with a wrong one', async () => {
      expect((await api('GET', `/channels/${randomUUID()}`, undefined, null)).status).toBe(401);
      expect((await api('GET', `/channels/${randomUUID()}`, undefined, 'wrong-token-of-some-length')).status).toBe(401);
      expect((await api('GET', `/channels/${randomUUID()}`, undefined, `${ADMIN_TOKEN}x`)).status).toBe(401);
    });

    it('takes the Bearer scheme in any case (schemes are case-insensitive), the token itself exactly', async () => {
      const path = `/channels/${randomUUID()}`;
      for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
        const response = await fetch(`${gateway.baseUrl}${path}`, { headers: { authorization: `${scheme} ${ADMIN_TOKEN}` } });
        expect(response.status).toBe(404);
      }
      const wrongCase = await fetch(`${gateway.baseUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN.toUpperCase()}` } });
      expect(wrongCase.status).toBe(401);
      const noSpace = await fetch(`${gateway.baseUrl}${path}`, { headers: { authorization: `Bearer${ADMIN_TOKEN}` } });
      expect(noSpace.status).toBe(401);
    });

    it('404 for every admin route when no ADMIN_API_TOKEN is configured', async () => {
      const closed = await startGateway({ TELEGRAM_API_BASE_URL: telegram.url });
      try {
        for (const [method, path] of [
          ['POST', '/channels'],
          ['GET', `/channels/${randomUUID()}`],
          ['PATCH', `/channels/${randomUUID()}`],
          ['POST', `/channels/${randomUUID()}/register-webhook`],
          ['GET', `/channels?account_id=${randomUUID()}`],
          ['GET', `/campaigns?account_id=${randomUUID()}`],
        ]) {
          const body = method === 'GET' ? undefined : '{}';
          const response = await fetch(`${closed.baseUrl}${path}`, {
            method,
            headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
            body,
          });
          expect(response.status).toBe(404);
        }
      } finally {
        await closed.stop();
      }
    });
  });

  describe('Telegram', () => {
    it('registers the webhook on create with the channel URL and a fresh secret, which then opens the webhook', async () => {
      const before = telegram.callsOf('setWebhook').length;
      const { status, body } = await create('telegram', { bot_token: BOT_TOKEN });
      expect(status).toBe(201);
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        account_id: ACCOUNT_ID,
        channel_type: 'telegram',
        name: 'telegram channel',
        is_active: true,
        webhook_url: `https://hooks.example.test/webhooks/telegram/${body.id}`,
        webhook: {
          status: 'registered',
          url: `https://hooks.example.test/webhooks/telegram/${body.id}`,
          registered_at: expect.any(String),
        },
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const calls = telegram.callsOf('setWebhook').slice(before);
      expect(calls).toHaveLength(1);
      expect(calls[0].token).toBe(BOT_TOKEN);
      expect(calls[0].body).toMatchObject({
        url: body.webhook_url,
        allowed_updates: ['message', 'edited_message', 'channel_post', 'edited_channel_post'],
      });
      const secret = String(calls[0].body.secret_token);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{32,256}$/);

      expect(JSON.stringify(body)).not.toContain(BOT_TOKEN);
      expect(JSON.stringify(body)).not.toContain(secret);
      const stored = await storedCredentials(body.id);
      expect(stored).not.toContain(BOT_TOKEN);
      expect(stored).not.toContain(secret);
      expect(stored).toMatch(/^v1\./);

      expect((await postTelegram(body.id, secret)).status).toBe(200);
      expect((await postTelegram(body.id, 'not-the-secret')).status).toBe(401);
      expect(JSON.stringify((await api('GET', `/channels/${body.id}`)).body)).not.toContain(secret);
    });

    it("keeps Telegram's error when it says no, and register-webhook retries", async () => {
      telegram.failNext('setWebhook', 'Bad Request: bad webhook: HTTPS url must be provided for webhook');
      const { status, body } = await create('telegram', { bot_token: BOT_TOKEN });
      expect(status).toBe(201);
      expect(body.webhook).toMatchObject({ status: 'failed', error: 'Bad Request: bad webhook: HTTPS url must be provided for webhook' });
      expect(await storedCredentials(body.id)).toBeDefined();

      const retry = await api('POST', `/channels/${body.id}/register-webhook`);
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ status: 'registered', url: body.webhook_url });
      expect((await api('GET', `/channels/${body.id}`)).body.webhook.status).toBe('registered');
      const secret = String(telegram.callsOf('setWebhook').at(-1)?.body.secret_token);
      expect((await postTelegram(body.id, secret)).status).toBe(200);
    });

    it("re-registers when the bot token changes, removing the old bot's webhook", async () => {
      const { body } = await create('telegram', { bot_token: BOT_TOKEN });
      const oldSecret = String(telegram.callsOf('setWebhook').at(-1)?.body.secret_token);
      const deletesBefore = telegram.callsOf('deleteWebhook').length;

      const patched = await api('PATCH', `/channels/${body.id}`, { credentials: { bot_token: NEW_BOT_TOKEN } });
      expect(patched.status).toBe(200);
      expect(patched.body.webhook.status).toBe('registered');
      const deletes = telegram.callsOf('deleteWebhook').slice(deletesBefore);
      expect(deletes.map((call) => call.token)).toEqual([BOT_TOKEN]);
      const last = telegram.callsOf('setWebhook').at(-1)!;
      expect(last.token).toBe(NEW_BOT_TOKEN);
      const newSecret = String(last.body.secret_token);
      expect(newSecret).not.toBe(oldSecret);
      expect((await postTelegram(body.id, newSecret, 2)).status).toBe(200);
      // The old secret stays valid for a while after a rotation (channels-admin.telegram-secret.e2e.spec.ts).
      expect((await postTelegram(body.id, oldSecret, 3)).status).toBe(200);
    });

    it('calls deleteWebhook on deactivation, and the webhook answers 404 at once', async () => {
      const { body } = await create('telegram', { bot_token: BOT_TOKEN });
      const secret = String(telegram.callsOf('setWebhook').at(-1)?.body.secret_token);
      expect((await postTelegram(body.id, secret)).status).toBe(200); // now cached
      const deletesBefore = telegram.callsOf('deleteWebhook').length;

      const patched = await api('PATCH', `/channels/${body.id}`, { is_active: false });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ is_active: false, webhook: { status: 'unregistered' } });
      expect(
        telegram
          .callsOf('deleteWebhook')
          .slice(deletesBefore)
          .map((call) => call.token),
      ).toEqual([BOT_TOKEN]);
      expect((await postTelegram(body.id, secret, 4)).status).toBe(404);
      expect((await api('POST', `/channels/${body.id}/register-webhook`)).status).toBe(409);

      const reactivated = await api('PATCH', `/channels/${body.id}`, { is_active: true });
      expect(reactivated.body.webhook.status).toBe('registered');
    });
  });

  describe('providers set up by hand', () => {
    it('WhatsApp: generates a verify token, answers manual setup, and the challenge accepts that token', async () => {
      const { status, body } = await create('whatsapp', { app_secret: 'meta-app-secret', phone_number_id: '106540352242922' });
      expect(status).toBe(201);
      expect(body.webhook).toMatchObject({
        status: 'manual',
        url: body.webhook_url,
        subscribe_fields: ['messages'],
        instructions: expect.any(String),
      });
      const token = String(body.webhook.verify_token);
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(JSON.stringify(body)).not.toContain('meta-app-secret');
      const challenge = await fetch(
        `${gateway.baseUrl}/webhooks/whatsapp/${body.id}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=77`,
      );
      expect(await challenge.text()).toBe('77');
    });

    it('bridge: generates a webhook_secret, shows it in the creation answer only, and it signs calls', async () => {
      const { status, body } = await create('bridge', {});
      expect(status).toBe(201);
      expect(body.webhook).toMatchObject({
        status: 'manual',
        url: body.webhook_url,
        signature_header: 'X-Webhook-Signature',
        instructions: expect.any(String),
      });
      const secret = String(body.webhook.webhook_secret);
      expect(secret.length).toBeGreaterThanOrEqual(32);
      // Shown once: not stored in the channel's webhook state, not in a later read.
      const read = await api('GET', `/channels/${body.id}`);
      expect(read.body.webhook.webhook_secret).toBeUndefined();
      expect(JSON.stringify(read.body)).not.toContain(secret);
      const call = JSON.stringify({ event_type: 'message.sent', timestamp: '2026-03-02T09:16:10Z', data: { message_id: 'ABC' } });
      const signature = createHmac('sha256', secret).update(call).digest('hex');
      const answer = await fetch(`${gateway.baseUrl}/webhooks/bridge/${body.id}`, {
        method: 'POST',
        body: call,
        headers: { 'content-type': 'application/json', 'x-webhook-signature': signature },
      });
      expect(answer.status).toBe(200);
    });

    it('bridge: a secret the caller sets is kept and not echoed; a short one is refused naming the field', async () => {
      const { body } = await create('bridge', { webhook_secret: 'my-own-bridge-secret-0001' });
      expect(body.webhook.webhook_secret).toBeUndefined();
      expect(JSON.stringify(body)).not.toContain('my-own-bridge-secret-0001');
      const refused = await create('bridge', { webhook_secret: 'short' });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('credentials.webhook_secret');
    });

    it('Messenger keeps a verify token it was given', async () => {
      const { body } = await create('messenger', { app_secret: 'meta-app-secret', verify_token: 'my-own-verify-token' });
      expect(body.webhook).toMatchObject({
        status: 'manual',
        verify_token: 'my-own-verify-token',
        subscribe_fields: expect.arrayContaining(['messages', 'message_deliveries', 'message_reads']),
      });
    });

    it('Twilio: the incoming-message and status-callback URLs', async () => {
      const { body } = await create('sms', { account_sid: `AC${'0'.repeat(32)}`, auth_token: 'twilio-auth-token' });
      expect(body.webhook).toMatchObject({
        status: 'manual',
        incoming_message_url: body.webhook_url,
        status_callback_url: body.webhook_url,
        http_method: 'POST',
      });
      expect(JSON.stringify(body)).not.toContain('twilio-auth-token');
    });

    it.each([
      ['resend', { webhook_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, 'email.delivered'],
      [
        'sendgrid',
        {
          verification_key: generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
            .publicKey.export({ type: 'spki', format: 'der' })
            .toString('base64'),
        },
        'delivered',
      ],
      ['ses', { topic_arn: 'arn:aws:sns:us-east-1:123456789012:ses-events' }, 'Delivery'],
      ['mailgun', { signing_key: 'key-test-signing-key' }, 'delivered'],
      ['postmark', { basic_auth_username: 'postmark-hook-user', basic_auth_password: 'postmark-password' }, 'Delivery'],
    ])('email via %s: the events to enable', async (provider, credentials, event) => {
      const { status, body } = await create('email', { provider, ...credentials });
      expect(status).toBe(201);
      expect(body.webhook).toMatchObject({ status: 'manual', provider, url: body.webhook_url });
      expect(body.webhook.events).toContain(event);
      for (const value of Object.values(credentials)) expect(JSON.stringify(body)).not.toContain(value);
    });
  });

  describe('invalid input: 400 naming the field', () => {
    it.each([
      [{ channel_type: 'telegram', name: 'x', credentials: { bot_token: BOT_TOKEN } }, 'account_id'],
      [{ account_id: 'nope', channel_type: 'telegram', name: 'x', credentials: {} }, 'account_id'],
      [{ account_id: ACCOUNT_ID, channel_type: 'fax', name: 'x', credentials: {} }, 'channel_type'],
      [{ account_id: ACCOUNT_ID, channel_type: 'sms', name: '', credentials: {} }, 'name'],
      // Found by the fuzz test: PostgreSQL refuses U+0000 in text, which answered 500.
      [{ account_id: ACCOUNT_ID, channel_type: 'sms', name: 'a\u0000b', credentials: {} }, 'name'],
      [{ account_id: ACCOUNT_ID, channel_type: 'sms', name: 'line\nbreak', credentials: {} }, 'name'],
      [{ account_id: ACCOUNT_ID, channel_type: 'sms', name: 'x', credentials: 'secret' }, 'credentials'],
      [{ account_id: ACCOUNT_ID, channel_type: 'sms', name: 'x', credentials: {}, extra: 1 }, 'extra'],
      [{ account_id: ACCOUNT_ID, channel_type: 'telegram', name: 'x', credentials: { bot_token: 'abc' } }, 'credentials.bot_token'],
      [
        { account_id: ACCOUNT_ID, channel_type: 'telegram', name: 'x', credentials: { bot_token: BOT_TOKEN, webhook_secret: 'mine' } },
        'credentials.webhook_secret',
      ],
      [{ account_id: ACCOUNT_ID, channel_type: 'whatsapp', name: 'x', credentials: {} }, 'credentials.app_secret'],
      [
        { account_id: ACCOUNT_ID, channel_type: 'sms', name: 'x', credentials: { account_sid: 'SID', auth_token: 't' } },
        'credentials.account_sid',
      ],
      [{ account_id: ACCOUNT_ID, channel_type: 'email', name: 'x', credentials: { provider: 'carrier-pigeon' } }, 'credentials.provider'],
      [
        {
          account_id: ACCOUNT_ID,
          channel_type: 'email',
          name: 'x',
          credentials: { provider: 'sendgrid', verification_key: 'bm90IGEga2V5' },
        },
        'credentials.verification_key',
      ],
      [
        { account_id: ACCOUNT_ID, channel_type: 'email', name: 'x', credentials: { provider: 'ses', topic_arn: 'arn:aws:s3:::bucket' } },
        'credentials.topic_arn',
      ],
      // Required: without it any AWS account's topic could post to the channel.
      [{ account_id: ACCOUNT_ID, channel_type: 'email', name: 'x', credentials: { provider: 'ses' } }, 'credentials.topic_arn'],
      [
        { account_id: ACCOUNT_ID, channel_type: 'email', name: 'x', credentials: { provider: 'ses', topic_arn: [] } },
        'credentials.topic_arn',
      ],
      [
        { account_id: ACCOUNT_ID, channel_type: 'messenger', name: 'x', credentials: { app_secret: 's', page_id: 'page-one' } },
        'credentials.page_id',
      ],
    ])('%p → %s', async (payload, field) => {
      const { status, body } = await api('POST', '/channels', payload);
      expect(status).toBe(400);
      expect(body.field).toBe(field);
      expect(body.message).toContain(field.replace(/^credentials\./, ''));
    });

    it('400 for a body that is not JSON, and for a bad PATCH', async () => {
      const response = await fetch(`${gateway.baseUrl}/channels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: '{"account_id":',
      });
      expect(response.status).toBe(400);
      const { body } = await create('sms', { account_sid: `AC${'1'.repeat(32)}`, auth_token: 'token' });
      const patched = await api('PATCH', `/channels/${body.id}`, { is_active: 'yes' });
      expect(patched.status).toBe(400);
      expect(patched.body.field).toBe('is_active');
      const badCredentials = await api('PATCH', `/channels/${body.id}`, { credentials: { account_sid: 'nope' } });
      expect(badCredentials.body.field).toBe('credentials.account_sid');
      const badName = await api('PATCH', `/channels/${body.id}`, { name: 'nul\u0000' });
      expect(badName).toMatchObject({ status: 400, body: { field: 'name', message: 'name must not contain control characters' } });
      // Found by the fuzz test: null passed as "left out" and reached a NOT NULL column (500).
      for (const field of ['name', 'is_active', 'credentials']) {
        const nulled = await api('PATCH', `/channels/${body.id}`, { [field]: null });
        expect(nulled).toMatchObject({ status: 400, body: { error: 'invalid_request', field } });
      }
    });

    // Found by random input from outside: a few hundred nested arrays made class-transformer
    // overflow the stack (500). Bodies are bounded before anything transforms them.
    it.each([
      ['a few hundred nested arrays', '['.repeat(400), 'body nests deeper than 8 levels'],
      ['400,000 nested arrays, closed', `${'['.repeat(400_000)}${']'.repeat(400_000)}`, 'body nests deeper than 8 levels'],
      ['a top-level array', '[]', 'body must be a JSON object'],
      ['a __proto__ key', '{"account_id":"x","__proto__":{"is_admin":true}}', 'key "__proto__" is not allowed (in the body)'],
      [
        'a constructor key in credentials',
        '{"credentials":{"constructor":{"prototype":{}}}}',
        'key "constructor" is not allowed (in credentials)',
      ],
      ['a number out of range', '{"name":1e400}', 'name is a number out of range'],
    ])('400 naming the problem for %s, on POST and PATCH', async (_label, text, problem) => {
      const { body: channel } = await create('sms', { account_sid: `AC${'3'.repeat(32)}`, auth_token: 'token' });
      for (const [method, path] of [
        ['POST', '/channels'],
        ['PATCH', `/channels/${channel.id}`],
      ]) {
        const response = await fetch(`${gateway.baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: text,
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({ error: 'invalid_request', message: problem });
      }
    });

    it('answers every error in one shape: error code and message', async () => {
      const notFound = await api('GET', `/channels/${randomUUID()}`);
      expect(notFound).toMatchObject({ status: 404, body: { error: 'not_found', message: expect.any(String) } });
      const unauthorized = await api('GET', `/channels/${randomUUID()}`, undefined, null);
      expect(unauthorized).toMatchObject({ status: 401, body: { error: 'unauthorized', message: expect.any(String) } });
      const mediaType = await fetch(`${gateway.baseUrl}/channels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' },
        body: 'x',
      });
      expect(mediaType.status).toBe(415);
      expect(await mediaType.json()).toMatchObject({ error: 'unsupported_media_type', message: expect.any(String) });
    });

    it('404 for unknown or malformed ids', async () => {
      expect((await api('GET', `/channels/${randomUUID()}`)).status).toBe(404);
      expect((await api('GET', '/channels/not-a-uuid')).status).toBe(404);
      expect((await api('PATCH', `/channels/${randomUUID()}`, { name: 'x' })).status).toBe(404);
    });
  });

  it('refuses plain stored credentials in production: 409 on the admin API, 503 on the webhook, never 500', async () => {
    // Written without a key (a deployment that once ran without NODE_ENV and CREDENTIALS_KEY).
    const id = randomUUID();
    await dataSource.getRepository(Channel).save({
      id,
      account_id: ACCOUNT_ID,
      channel_type: 'sms',
      name: 'plain',
      credentials: new CredentialsCipher().seal(id, { account_sid: `AC${'4'.repeat(32)}`, auth_token: 'plain-token' }),
      is_active: true,
    });
    const patched = await api('PATCH', `/channels/${id}`, { name: 'renamed' });
    expect(patched).toMatchObject({ status: 409, body: { error: 'credentials_unreadable' } });
    expect((await api('POST', `/channels/${id}/register-webhook`)).status).toBe(409);
    const webhook = await fetch(`${gateway.baseUrl}/webhooks/sms/${id}`, {
      method: 'POST',
      body: 'Body=hi',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(webhook.status).toBe(503);
  });

  it('PATCH merges credentials key by key and renames', async () => {
    const { body } = await create('sms', { account_sid: `AC${'2'.repeat(32)}`, auth_token: 'first-token' });
    const patched = await api('PATCH', `/channels/${body.id}`, { name: 'renamed', credentials: { auth_token: 'second-token' } });
    expect(patched.body.name).toBe('renamed');
    const row = await dataSource.getRepository(Channel).findOneByOrFail({ id: body.id });
    expect(row.credentials).not.toContain('second-token');
    expect(new CredentialsCipher(CREDENTIALS_KEY).open(body.id, row.credentials)).toEqual({
      account_sid: `AC${'2'.repeat(32)}`,
      auth_token: 'second-token',
    });
  });
});
