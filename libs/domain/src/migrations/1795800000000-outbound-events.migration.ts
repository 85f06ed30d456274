import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbound half (docs/OUTBOUND.md): the transactional outbox the workers write in the
 * same transaction as their change, and the delivery log of subscriber webhooks.
 */
export class OutboundEvents1795800000000 implements MigrationInterface {
  name = 'OutboundEvents1795800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // `position` orders the relay's reads; `seq` is stamped by the single active relay when it
    // publishes, so it grows in publish order (realtime resume reads by it).
    await queryRunner.query(`
      CREATE TABLE "outbox_events" (
        "id" uuid NOT NULL,
        "position" bigint GENERATED ALWAYS AS IDENTITY,
        "account_id" uuid NOT NULL,
        "type" text NOT NULL,
        "payload" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "published_at" timestamptz,
        "seq" bigint,
        CONSTRAINT "pk_outbox_events" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "idx_outbox_events_unpublished" ON "outbox_events" ("position") WHERE "published_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "idx_outbox_events_created_at" ON "outbox_events" ("created_at")`);
    await queryRunner.query(
      `CREATE INDEX "idx_outbox_events_account_seq" ON "outbox_events" ("account_id", "seq") WHERE "seq" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE SEQUENCE "outbox_events_publish_seq" AS bigint`);

    // When the endpoint started failing without a success since (cleared by a success): five days of it disables.
    await queryRunner.query(`ALTER TABLE "webhook_subscriptions" ADD "failing_since" timestamptz`);

    await queryRunner.query(`
      CREATE TABLE "webhook_deliveries" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "subscription_id" uuid NOT NULL,
        "account_id" uuid NOT NULL,
        "event_id" uuid NOT NULL,
        "event_type" text NOT NULL,
        "payload" jsonb NOT NULL,
        "status" text NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz,
        "locked_until" timestamptz,
        "last_attempt_at" timestamptz,
        "response_status" integer,
        "response_body" text,
        "error" text,
        "error_class" text,
        "duration_ms" integer,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "uq_webhook_deliveries_subscription_event" UNIQUE ("subscription_id", "event_id"),
        CONSTRAINT "fk_webhook_deliveries_subscription" FOREIGN KEY ("subscription_id")
          REFERENCES "webhook_subscriptions" ("id") ON DELETE CASCADE,
        CONSTRAINT "ck_webhook_deliveries_status" CHECK ("status" IN ('pending', 'succeeded', 'failed', 'dead'))
      )`);
    // The dispatcher's poll for what is due; only open deliveries are in it.
    await queryRunner.query(
      `CREATE INDEX "idx_webhook_deliveries_due" ON "webhook_deliveries" ("next_attempt_at") WHERE "status" IN ('pending', 'failed')`,
    );
    // The admin API's log, newest first, per subscription.
    await queryRunner.query(
      `CREATE INDEX "idx_webhook_deliveries_subscription_created" ON "webhook_deliveries" ("subscription_id", "created_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE "webhook_delivery_attempts" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "delivery_id" uuid NOT NULL,
        "attempt" integer NOT NULL,
        "started_at" timestamptz NOT NULL,
        "response_status" integer,
        "response_body" text,
        "error_class" text,
        "error" text,
        "duration_ms" integer NOT NULL,
        CONSTRAINT "pk_webhook_delivery_attempts" PRIMARY KEY ("id"),
        CONSTRAINT "fk_webhook_delivery_attempts_delivery" FOREIGN KEY ("delivery_id")
          REFERENCES "webhook_deliveries" ("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_webhook_delivery_attempts_delivery" ON "webhook_delivery_attempts" ("delivery_id", "attempt")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_delivery_attempts"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`ALTER TABLE "webhook_subscriptions" DROP COLUMN "failing_since"`);
    await queryRunner.query(`DROP SEQUENCE "outbox_events_publish_seq"`);
    await queryRunner.query(`DROP TABLE "outbox_events"`);
  }
}
