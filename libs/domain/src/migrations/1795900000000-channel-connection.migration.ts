import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A bridge channel's connection as last reported (`{status, session_id, reported_at}`); null until a first report. */
export class ChannelConnection1795900000000 implements MigrationInterface {
  name = 'ChannelConnection1795900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" ADD "connection" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "connection"`);
  }
}
