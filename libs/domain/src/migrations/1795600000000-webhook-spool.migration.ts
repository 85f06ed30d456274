import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The gateway's spool (docs/CONTRACTS.md, "`webhook_spool`"); read oldest first with FOR UPDATE SKIP LOCKED. */
export class WebhookSpool1795600000000 implements MigrationInterface {
  name = 'WebhookSpool1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "webhook_spool" (
        "id" bigserial PRIMARY KEY,
        "exchange" text NOT NULL,
        "routing_key" text NOT NULL,
        "message_id" text NOT NULL,
        "payload" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_spool"`);
  }
}
