import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { migratedDataSource, seedChannel, startGateway, type RunningGateway } from './support/gateway-harness';

const ADMIN_TOKEN = 'admin-token-for-listings-0123456789';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The read routes the operator console lists with: `GET /channels?account_id=` and `GET /campaigns?account_id=`. */
describe('admin listings', () => {
  let dataSource: DataSource;
  let gateway: RunningGateway;

  beforeAll(async () => {
    dataSource = await migratedDataSource();
    gateway = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN });
  });

  afterAll(async () => {
    await gateway?.stop();
    await dataSource?.destroy();
  });

  const get = async (path: string, token: string | null = ADMIN_TOKEN) => {
    const response = await fetch(`${gateway.baseUrl}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const campaign = (accountId: string, channelId: string, createdAt: Date, counters: Partial<Record<string, number>> = {}) =>
    dataSource
      .query(
        `INSERT INTO group_messages (account_id, channel_id, total_count, delivered_count, failed_count, read_count, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          accountId,
          channelId,
          counters.total ?? 10,
          counters.delivered ?? 0,
          counters.failed ?? 0,
          counters.read ?? 0,
          createdAt.toISOString(),
        ],
      )
      .then((rows: Array<{ id: string }>) => rows[0].id);

  it('401 without the token or with a wrong one; 400 naming account_id when it is missing, malformed or joined by another parameter', async () => {
    for (const path of ['/channels', '/campaigns']) {
      expect((await get(`${path}?account_id=${randomUUID()}`, null)).status).toBe(401);
      expect((await get(`${path}?account_id=${randomUUID()}`, 'wrong')).body.error).toBe('unauthorized');
      for (const query of ['', '?account_id=nope', `?account_id=${randomUUID()}&limit=5`]) {
        const refused = await get(`${path}${query}`);
        expect(refused.status).toBe(400);
        expect(refused.body.error).toBe('invalid_request');
      }
      expect((await get(`${path}?account_id=nope`)).body.field).toBe('account_id');
    }
  });

  it('GET /channels lists the account’s channels, newest first, each as GET /channels/:id shows it, inactive ones too', async () => {
    const account = randomUUID();
    const older = await seedChannel(
      dataSource,
      'whatsapp',
      { app_secret: 's1' },
      { account_id: account, created_at: new Date(Date.now() - 60_000) },
    );
    const newer = await seedChannel(
      dataSource,
      'sms',
      { account_sid: `AC${'0'.repeat(32)}`, auth_token: 't' },
      { account_id: account, is_active: false },
    );
    await seedChannel(dataSource, 'whatsapp', { app_secret: 's3' }, { account_id: randomUUID() });

    const { status, body } = await get(`/channels?account_id=${account}`);
    expect(status).toBe(200);
    expect(body.channels.map((channel: Json) => channel.id)).toEqual([newer.id, older.id]);
    for (const channel of body.channels) {
      expect(channel).toEqual((await get(`/channels/${channel.id}`)).body);
      expect(JSON.stringify(channel)).not.toMatch(/credentials|app_secret|auth_token/);
    }
    expect((await get(`/channels?account_id=${randomUUID()}`)).body).toEqual({ channels: [] });
  });

  it('GET /campaigns lists the account’s group messages with their counters, newest first, at most 100', async () => {
    const account = randomUUID();
    const channel = await seedChannel(dataSource, 'whatsapp', { app_secret: 's' }, { account_id: account });
    const start = Date.now() - 3_600_000;
    const ids: string[] = [];
    for (let index = 0; index < 101; index += 1) ids.push(await campaign(account, channel.id, new Date(start + index * 1_000)));
    const other = await seedChannel(dataSource, 'whatsapp', { app_secret: 's' }, { account_id: randomUUID() });
    await campaign(other.account_id, other.id, new Date());
    const newest = await campaign(account, channel.id, new Date(), { total: 20, delivered: 12, failed: 3, read: 7 });
    await dataSource.query(`UPDATE group_messages SET status = 'completed' WHERE id = $1`, [newest]);

    const { status, body } = await get(`/campaigns?account_id=${account}`);
    expect(status).toBe(200);
    expect(body.campaigns).toHaveLength(100);
    expect(body.campaigns.map((row: Json) => row.id)).toEqual([newest, ...ids.slice(-99).reverse()]);
    expect(body.campaigns[0]).toEqual({
      id: newest,
      channel_id: channel.id,
      total_count: 20,
      delivered_count: 12,
      failed_count: 3,
      read_count: 7,
      status: 'completed',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    expect((await get(`/campaigns?account_id=${randomUUID()}`)).body).toEqual({ campaigns: [] });
  });
});
