import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each channel's webhook registration stands (`registered`, `manual`, `failed` and
 * its details), so GET /channels/:id can answer it and register-webhook can retry it.
 * Not secret: secrets stay in the encrypted credentials.
 */
export class ChannelWebhookState1795500000000 implements MigrationInterface {
  name = 'ChannelWebhookState1795500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" ADD "webhook" jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "webhook"`);
  }
}
