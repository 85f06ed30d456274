import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subscriber webhooks (outbound events), managed through the admin API. Secrets are sealed
 * text; `previous_secret` keeps the one a rotation replaced until it expires.
 */
export class WebhookSubscriptions1795700000000 implements MigrationInterface {
  name = 'WebhookSubscriptions1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "webhook_subscriptions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "account_id" uuid NOT NULL,
        "url" text NOT NULL,
        "events" text array NOT NULL,
        "secret" text NOT NULL,
        "previous_secret" text,
        "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE,
        "enabled" boolean NOT NULL DEFAULT true,
        "retry" jsonb,
        "description" text,
        "disabled_reason" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_subscriptions" PRIMARY KEY ("id")
      )`);
    // The admin API lists an account's subscriptions; the dispatcher finds them per event's account.
    await queryRunner.query(`CREATE INDEX "idx_webhook_subscriptions_account_id" ON "webhook_subscriptions" ("account_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_subscriptions"`);
  }
}
