/**
 * PostgreSQL at DATABASE_URL: what the sending side would write (outbound rows, a campaign), and
 * what the workers wrote (rows, counters). The platform has no sending API, so seeding is SQL.
 */
import { Pool } from 'pg';

export interface MessageRow {
  id: string;
  direction: string;
  status: string;
  delivery_address: string;
  message_body: string | null;
  provider_message_id: string;
  read_at: string | null;
  error_details: unknown;
  sent_at: Date | null;
  delivered_at: Date | null;
  failed_at: Date | null;
}

export interface CampaignCounters {
  total_count: number;
  delivered_count: number;
  failed_count: number;
  read_count: number;
  status: string;
}

const MESSAGE_COLUMNS = `id, direction, status, delivery_address, message_body, metadata_->>'provider_message_id' AS provider_message_id,
  metadata_->>'read_at' AS read_at, error_details, sent_at, delivered_at, failed_at`;

export class DbProbe {
  private readonly pool: Pool;

  constructor(databaseUrl: string) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 2, application_name: 'simulator' });
  }

  /** The stored (sealed) credentials of a channel; the simulator opens Telegram's to learn its webhook secret. */
  async channelCredentials(channelId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ credentials: string }>('SELECT credentials FROM channels WHERE id = $1', [channelId]);
    return rows[0]?.credentials;
  }

  /** One outbound message as the sending side stores it, `queued` with the provider's id. */
  async seedOutbound(accountId: string, channelId: string, providerMessageId: string, recipient: string): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO messages (account_id, channel_id, direction, status, delivery_address, message_body, metadata_)
       VALUES ($1, $2, 'outbound', 'queued', $3, 'Sent by the simulator', jsonb_build_object('provider_message_id', $4::text))
       RETURNING id`,
      [accountId, channelId, recipient, providerMessageId],
    );
    return rows[0].id;
  }

  /**
   * A group message and its `count` outbound rows in one INSERT … SELECT generate_series: row n has
   * provider id `<idPrefix><n>` and recipient `<recipientPrefix><n><recipientSuffix>`.
   */
  async seedCampaign(
    accountId: string,
    channelId: string,
    count: number,
    ids: { idPrefix: string; recipientPrefix: string; recipientSuffix: string },
  ): Promise<string> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string }>(
        'INSERT INTO group_messages (account_id, channel_id, total_count) VALUES ($1, $2, $3) RETURNING id',
        [accountId, channelId, count],
      );
      await client.query(
        `INSERT INTO messages (account_id, channel_id, group_message_id, direction, status, delivery_address, message_body, metadata_)
         SELECT $1, $2, $3, 'outbound', 'queued', $4 || n || $5, 'Campaign message ' || n, jsonb_build_object('provider_message_id', $6 || n)
         FROM generate_series(0, $7::int - 1) AS n`,
        [accountId, channelId, rows[0].id, ids.recipientPrefix, ids.recipientSuffix, ids.idPrefix, count],
      );
      await client.query('COMMIT');
      return rows[0].id;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async messagesByProviderId(channelId: string, providerMessageId: string): Promise<MessageRow[]> {
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel_id = $1 AND metadata_->>'provider_message_id' = $2 ORDER BY created_at`,
      [channelId, providerMessageId],
    );
    return rows;
  }

  async campaignCounters(groupMessageId: string): Promise<CampaignCounters> {
    const { rows } = await this.pool.query<CampaignCounters>(
      'SELECT total_count, delivered_count, failed_count, read_count, status FROM group_messages WHERE id = $1',
      [groupMessageId],
    );
    return rows[0];
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
