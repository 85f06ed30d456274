import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admin lists (`GET /channels`, `/campaigns`, `/subscriptions` with `account_id`) read one account's rows
 * newest first: an index in that order answers them without scanning or sorting other accounts' rows.
 */
export class AccountListingIndexes1796000000000 implements MigrationInterface {
  name = 'AccountListingIndexes1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "idx_channels_account_created" ON "channels" ("account_id", "created_at" DESC, "id" DESC)`);
    await queryRunner.query(
      `CREATE INDEX "idx_group_messages_account_created" ON "group_messages" ("account_id", "created_at" DESC, "id" DESC)`,
    );
    // Replaces the account-only index: the ordered one serves every query the old one did.
    await queryRunner.query(`DROP INDEX "idx_webhook_subscriptions_account_id"`);
    await queryRunner.query(
      `CREATE INDEX "idx_webhook_subscriptions_account_created" ON "webhook_subscriptions" ("account_id", "created_at" DESC, "id" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_webhook_subscriptions_account_created"`);
    await queryRunner.query(`CREATE INDEX "idx_webhook_subscriptions_account_id" ON "webhook_subscriptions" ("account_id")`);
    await queryRunner.query(`DROP INDEX "idx_group_messages_account_created"`);
    await queryRunner.query(`DROP INDEX "idx_channels_account_created"`);
  }
}
