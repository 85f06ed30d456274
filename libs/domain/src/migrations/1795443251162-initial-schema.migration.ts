import type { MigrationInterface, QueryRunner } from 'typeorm';

/** docs/CONTRACTS.md, "Database". Frozen: later changes are new migrations. */
export class InitialSchema1795443251162 implements MigrationInterface {
  name = 'InitialSchema1795443251162';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "channels" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "account_id" uuid NOT NULL,
        "channel_type" character varying(32) NOT NULL,
        "name" character varying(255) NOT NULL,
        "credentials" text NOT NULL,
        "is_active" boolean NOT NULL DEFAULT true,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_channels" PRIMARY KEY ("id")
      )`);

    await queryRunner.query(`
      CREATE TABLE "group_messages" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "account_id" uuid NOT NULL,
        "channel_id" uuid NOT NULL,
        "total_count" integer NOT NULL DEFAULT 0,
        "delivered_count" integer NOT NULL DEFAULT 0,
        "failed_count" integer NOT NULL DEFAULT 0,
        "read_count" integer NOT NULL DEFAULT 0,
        "status" character varying(16) NOT NULL DEFAULT 'processing',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_group_messages" PRIMARY KEY ("id"),
        CONSTRAINT "chk_group_messages_status" CHECK ("status" IN ('processing', 'completed')),
        CONSTRAINT "fk_group_messages_channel" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id")
      )`);

    await queryRunner.query(`
      CREATE TABLE "messages" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "account_id" uuid NOT NULL,
        "channel_id" uuid NOT NULL,
        "group_message_id" uuid,
        "contact_id" uuid,
        "direction" character varying(16) NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'pending',
        "delivery_address" character varying(512) NOT NULL,
        "message_body" text,
        "metadata_" jsonb NOT NULL DEFAULT '{}',
        "error_details" jsonb,
        "sent_at" TIMESTAMP WITH TIME ZONE,
        "delivered_at" TIMESTAMP WITH TIME ZONE,
        "failed_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_messages" PRIMARY KEY ("id"),
        CONSTRAINT "chk_messages_direction" CHECK ("direction" IN ('inbound', 'outbound')),
        CONSTRAINT "chk_messages_status" CHECK ("status" IN ('pending', 'queued', 'sent', 'delivered', 'failed')),
        CONSTRAINT "fk_messages_channel" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id"),
        CONSTRAINT "fk_messages_group_message" FOREIGN KEY ("group_message_id") REFERENCES "group_messages" ("id")
      )`);

    await queryRunner.query(
      `CREATE INDEX "idx_messages_provider_msg_id" ON "messages" (("metadata_"->>'provider_message_id'), "channel_id")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_messages_inbound_provider_msg" ON "messages" ("channel_id", ("metadata_"->>'provider_message_id')) WHERE "direction" = 'inbound'`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_messages_outbound_recipient" ON "messages" ("channel_id", "delivery_address") WHERE "direction" = 'outbound'`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_messages_group_message_id" ON "messages" ("group_message_id") WHERE "group_message_id" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Dropping a table drops its indexes and constraints; dependants go first.
    await queryRunner.query(`DROP TABLE "messages"`);
    await queryRunner.query(`DROP TABLE "group_messages"`);
    await queryRunner.query(`DROP TABLE "channels"`);
  }
}
