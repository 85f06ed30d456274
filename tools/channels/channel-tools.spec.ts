import { createProviderHttp, TelegramBotApi } from '@inbound/adapters';
import { Channel, CredentialsCipher, createDataSource, CredentialsDecryptionError, WebhookSubscription } from '@inbound/domain';
import { FakeBotApi } from '@inbound/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { reconcileTelegramWebhooks } from './reconcile-telegram-webhooks';
import { resealCredentials, resealReport } from './reseal-credentials';

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
    botApi = new TelegramBotApi(telegram.url, createProviderHttp());
  });

  afterAll(async () => {
    await telegram?.stop();
    await dataSource?.destroy();
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM channels');
    await dataSource.query('DELETE FROM webhook_subscriptions');
  });

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
    const noSubscriptions = { checked: 0, resealed: 0, unreadable: [] };

    it('moves every channel to the new key; the old key alone no longer opens them', async () => {
      const oldCipher = new CredentialsCipher(key);
      const plainCipher = new CredentialsCipher();
      const sealed = await seed({ bot_token: '666666:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' }, oldCipher);
      const plain = await seed({ bot_token: '777777:GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG' }, plainCipher);
      const newKey = randomBytes(32);
      const rotating = new CredentialsCipher(newKey, [key]);

      expect(await resealCredentials({ dataSource, cipher: rotating })).toEqual({
        channels: { checked: 2, resealed: 2 },
        subscriptions: noSubscriptions,
      });
      expect(await resealCredentials({ dataSource, cipher: rotating })).toEqual({
        channels: { checked: 2, resealed: 0 },
        subscriptions: noSubscriptions,
      });

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

    /** A subscription whose two secrets are sealed by the given functions of its id (previous: null for none). */
    const seedSubscription = (secret: (id: string) => string, previous: (id: string) => string | null = () => null) => {
      const id = randomUUID();
      const previousSecret = previous(id);
      return dataSource.getRepository(WebhookSubscription).save({
        id,
        account_id: randomUUID(),
        url: 'https://subscriber.example.test/hook',
        events: ['*'],
        secret: secret(id),
        previous_secret: previousSecret,
        previous_secret_expires_at: previousSecret === null ? null : new Date(Date.now() + 60_000),
        enabled: true,
        retry: null,
        description: null,
        disabled_reason: null,
      });
    };
    const subscriptionRow = (id: string) => dataSource.getRepository(WebhookSubscription).findOneByOrFail({ id });
    const sealedWith = (cipher: CredentialsCipher, secret: string) => (id: string) => cipher.seal(id, { secret });

    it('moves both secrets of every subscription to the new key with the same plaintext; a second run changes nothing', async () => {
      const oldCipher = new CredentialsCipher(key);
      const newKey = randomBytes(32);
      const onlyNew = new CredentialsCipher(newKey);
      const rotating = new CredentialsCipher(newKey, [key]);
      await seed({ bot_token: '888888:HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH' }, oldCipher);
      const rotated = await seedSubscription(sealedWith(oldCipher, 'whsec_current-a'), sealedWith(oldCipher, 'whsec_previous-a'));
      const single = await seedSubscription(sealedWith(oldCipher, 'whsec_current-b'));
      const plain = await seedSubscription(sealedWith(new CredentialsCipher(), 'whsec_current-c'));
      const current = await seedSubscription(sealedWith(onlyNew, 'whsec_current-d'), sealedWith(onlyNew, 'whsec_previous-d'));

      expect(await resealCredentials({ dataSource, cipher: rotating })).toEqual({
        channels: { checked: 1, resealed: 1 },
        subscriptions: { checked: 4, resealed: 3, unreadable: [] },
      });
      const after = await Promise.all([rotated, single, plain, current].map(({ id }) => subscriptionRow(id)));
      expect(await resealCredentials({ dataSource, cipher: rotating })).toEqual({
        channels: { checked: 1, resealed: 0 },
        subscriptions: { checked: 4, resealed: 0, unreadable: [] },
      });
      expect(await Promise.all(after.map(({ id }) => subscriptionRow(id)))).toEqual(after);

      const [rotatedRow, singleRow, plainRow, currentRow] = after;
      expect(onlyNew.open(rotated.id, rotatedRow.secret)).toEqual({ secret: 'whsec_current-a' });
      expect(onlyNew.open(rotated.id, rotatedRow.previous_secret as string)).toEqual({ secret: 'whsec_previous-a' });
      expect(() => oldCipher.open(rotated.id, rotatedRow.secret)).toThrow(CredentialsDecryptionError);
      expect(() => oldCipher.open(rotated.id, rotatedRow.previous_secret as string)).toThrow(CredentialsDecryptionError);
      expect(rotatedRow.previous_secret_expires_at).toEqual(rotated.previous_secret_expires_at);
      expect(onlyNew.open(single.id, singleRow.secret)).toEqual({ secret: 'whsec_current-b' });
      expect(singleRow.previous_secret).toBeNull();
      expect(onlyNew.open(plain.id, plainRow.secret)).toEqual({ secret: 'whsec_current-c' });
      expect([plain.secret.split('.')[0], plainRow.secret.split('.')[0]]).toEqual(['plain', 'v1']);
      // Already under the current key: not rewritten at all.
      expect([currentRow.secret, currentRow.previous_secret]).toEqual([current.secret, current.previous_secret]);
    });

    it('reports a subscription secret it cannot open and leaves it as it is, resealing what it can', async () => {
      const oldCipher = new CredentialsCipher(key);
      const lostKey = new CredentialsCipher(randomBytes(32));
      const newKey = randomBytes(32);
      const rotating = new CredentialsCipher(newKey, [key]);
      const lost = await seedSubscription(sealedWith(lostKey, 'whsec_lost'), sealedWith(oldCipher, 'whsec_previous-e'));
      // Sealed for another subscription: the associated data does not match, so it fails authentication.
      const moved = await seedSubscription(sealedWith(oldCipher, 'whsec_current-f'), () => oldCipher.seal(randomUUID(), { secret: 'x' }));
      const expected = {
        checked: 2,
        unreadable: expect.arrayContaining([
          { subscriptionId: lost.id, column: 'secret', reason: expect.stringContaining('not configured') },
          { subscriptionId: moved.id, column: 'previous_secret', reason: expect.stringContaining('failed authentication') },
        ]),
      };

      const first = await resealCredentials({ dataSource, cipher: rotating });
      expect(first.subscriptions).toEqual({ ...expected, resealed: 2 });
      expect(first.subscriptions.unreadable).toHaveLength(2);
      const [lostRow, movedRow] = await Promise.all([subscriptionRow(lost.id), subscriptionRow(moved.id)]);
      expect(lostRow.secret).toBe(lost.secret);
      expect(new CredentialsCipher(newKey).open(lost.id, lostRow.previous_secret as string)).toEqual({ secret: 'whsec_previous-e' });
      expect(movedRow.previous_secret).toBe(moved.previous_secret);
      expect(new CredentialsCipher(newKey).open(moved.id, movedRow.secret)).toEqual({ secret: 'whsec_current-f' });

      const second = await resealCredentials({ dataSource, cipher: rotating });
      expect(second.subscriptions).toEqual({ ...expected, resealed: 0 });
      expect(await Promise.all([subscriptionRow(lost.id), subscriptionRow(moved.id)])).toEqual([lostRow, movedRow]);

      const report = resealReport(second);
      expect(report).toMatchObject({ failed: true });
      const lines = typeof report === 'string' ? [] : report.summary.split('\n');
      expect(lines[1]).toBe('subscription secrets: 2 subscriptions checked, 0 resealed under the current key, 2 secrets unreadable');
      expect(lines).toContainEqual(expect.stringContaining(`subscription ${lost.id} secret left as it is`));
      expect(lines).toContainEqual(expect.stringContaining(`subscription ${moved.id} previous_secret left as it is`));
    });

    it('prints the counts for channels and subscriptions on their own lines', () => {
      expect(resealReport({ channels: { checked: 3, resealed: 2 }, subscriptions: { checked: 5, resealed: 4, unreadable: [] } })).toBe(
        'channel credentials: 3 channels checked, 2 resealed under the current key\n' +
          'subscription secrets: 5 subscriptions checked, 4 resealed under the current key, 0 secrets unreadable',
      );
    });

    it('refuses to run without a current key', async () => {
      await expect(resealCredentials({ dataSource, cipher: new CredentialsCipher() })).rejects.toThrow('CREDENTIALS_KEY is not set');
    });
  });
});
