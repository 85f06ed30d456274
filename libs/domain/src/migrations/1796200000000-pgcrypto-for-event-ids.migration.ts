import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * pgcrypto's SHA-1, so the status worker's one-statement apply names outbox events in SQL with the same name-based ids
 * the worker makes (docs/STATUS-WORKER.md). A trusted extension: the database owner may create it.
 */
export class PgcryptoForEventIds1796200000000 implements MigrationInterface {
  name = 'PgcryptoForEventIds1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP EXTENSION IF EXISTS pgcrypto`);
  }
}
