import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each channel's webhook registration state; not secret (secrets stay in the encrypted credentials). */
export class ChannelWebhookState1795500000000 implements MigrationInterface {
  name = 'ChannelWebhookState1795500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" ADD "webhook" jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "webhook"`);
  }
}
