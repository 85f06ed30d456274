import { TelegramBotApi } from '@inbound/adapters';
import { Channel, CredentialsCipher, createDataSource, CredentialsDecryptionError } from '@inbound/domain';
import { FakeBotApi } from '@inbound/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { reconcileTelegramWebhooks } from './reconcile-telegram-webhooks';
import { resealCredentials } from './reseal-credentials';

const BASE = 'https://hooks.example.test';

describe('channel maintenance commands (real PostgreSQL, local Bot API)', () => {
  let dataSource: DataSource;
  let telegram: FakeBotApi;
  let botApi: TelegramBotApi;
  const key = randomBytes(32);

  beforeAll(async () => {
    dataSource = createDataSource({ url: process.env.DATABASE_URL as string, poolSize: 2 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    telegram = new FakeBotApi();
    await telegram.start();
    botApi = new TelegramBotApi(telegram.url, async (url, body) => {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return { status: response.status, data: await response.json() };
    });
  });

  afterAll(async () => {
    await telegram?.stop();
    await dataSource?.destroy();
  });

  beforeEach(() => dataSource.query('DELETE FROM channels'));

  const seed = async (credentials: Record<string, unknown>, cipher = new CredentialsCipher(key), overrides: Partial<Channel> = {}) => {
    const id = randomUUID();
    return dataSource.getRepository(Channel).save({
      id,
      account_id: randomUUID(),
      channel_type: 'telegram',
      name: 'bot',
      credentials: cipher.seal(id, credentials),
      is_active: true,
      webhook: {},
      ...overrides,
    });
  };

  describe('reconcileTelegramWebhooks', () => {
    it('registers what is missing once; a second run changes nothing', async () => {
      const tokens = ['111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'];
      const channels = await Promise.all(tokens.map((bot_token) => seed({ bot_token })));
      await seed({ bot_token: '333333:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC' }, undefined, { is_active: false });
      const context = { dataSource, cipher: new CredentialsCipher(key), botApi, webhookBaseUrl: BASE };
      const setsBefore = telegram.callsOf('setWebhook').length;

      expect(await reconcileTelegramWebhooks(context)).toEqual({ checked: 2, inPlace: 0, registered: 2, failed: 0 });
      expect(await reconcileTelegramWebhooks(context)).toEqual({ checked: 2, inPlace: 2, registered: 0, failed: 0 });

      const sets = telegram.callsOf('setWebhook').slice(setsBefore);
      expect(sets.map((call) => call.token).sort()).toEqual([...tokens].sort());
      for (const channel of channels) {
        expect(
          telegram.webhooks.get(
            String(
              context.cipher.open(channel.id, (await dataSource.getRepository(Channel).findOneByOrFail({ id: channel.id })).credentials)
                .bot_token,
            ),
          ),
        ).toBe(`${BASE}/webhooks/telegram/${channel.id}`);
        const row = await dataSource.getRepository(Channel).findOneByOrFail({ id: channel.id });
        expect(row.webhook).toMatchObject({ status: 'registered' });
        const stored = context.cipher.open(channel.id, row.credentials);
        const registered = sets.find((call) => call.token === stored.bot_token);
        expect(stored.webhook_secret).toBe(registered?.body.secret_token);
      }
    });

    it('re-registers a bot whose webhook points elsewhere, keeping its secret', async () => {
      const channel = await seed({ bot_token: '444444:DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD', webhook_secret: 'kept-secret_0123456789' });
      telegram.webhooks.set('444444:DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD', 'https://old.example.test/hook');
      const summary = await reconcileTelegramWebhooks({ dataSource, cipher: new CredentialsCipher(key), botApi, webhookBaseUrl: BASE });
      expect(summary).toEqual({ checked: 1, inPlace: 0, registered: 1, failed: 0 });
      expect(telegram.callsOf('setWebhook').at(-1)?.body).toMatchObject({
        url: `${BASE}/webhooks/telegram/${channel.id}`,
        secret_token: 'kept-secret_0123456789',
      });
    });

    it("records Telegram's refusal on the channel", async () => {
      const channel = await seed({ bot_token: '555555:EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE' });
      telegram.failNext('setWebhook', 'Unauthorized');
      const summary = await reconcileTelegramWebhooks({ dataSource, cipher: new CredentialsCipher(key), botApi, webhookBaseUrl: BASE });
      expect(summary.failed).toBe(1);
      expect((await dataSource.getRepository(Channel).findOneByOrFail({ id: channel.id })).webhook).toMatchObject({
        status: 'failed',
        error: 'Unauthorized',
      });
    });
  });

  describe('resealCredentials', () => {
    it('moves every channel to the new key; the old key alone no longer opens them', async () => {
      const oldCipher = new CredentialsCipher(key);
      const plainCipher = new CredentialsCipher();
      const sealed = await seed({ bot_token: '666666:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' }, oldCipher);
      const plain = await seed({ bot_token: '777777:GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG' }, plainCipher);
      const newKey = randomBytes(32);
      const rotating = new CredentialsCipher(newKey, [key]);

      expect(await resealCredentials({ dataSource, cipher: rotating })).toEqual({ checked: 2, resealed: 2 });
      expect(await resealCredentials({ dataSource, cipher: rotating })).toEqual({ checked: 2, resealed: 0 });

      const onlyNew = new CredentialsCipher(newKey);
      for (const [channel, token] of [
        [sealed, '666666:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'],
        [plain, '777777:GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG'],
      ] as const) {
        const row = await dataSource.getRepository(Channel).findOneByOrFail({ id: channel.id });
        expect(row.credentials).not.toContain(token);
        expect(onlyNew.open(channel.id, row.credentials)).toEqual({ bot_token: token });
        expect(() => oldCipher.open(channel.id, row.credentials)).toThrow(CredentialsDecryptionError);
      }
    });

    it('refuses to run without a current key', async () => {
      await expect(resealCredentials({ dataSource, cipher: new CredentialsCipher() })).rejects.toThrow('CREDENTIALS_KEY is not set');
    });
  });
});
