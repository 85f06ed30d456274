import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The dispatcher deletes finished deliveries past DELIVERY_LOG_RETENTION_DAYS: this index finds them without a scan. */
export class DeliveryLogRetention1796100000000 implements MigrationInterface {
  name = 'DeliveryLogRetention1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "idx_webhook_deliveries_finished" ON "webhook_deliveries" ("updated_at") WHERE "status" IN ('succeeded', 'dead')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_webhook_deliveries_finished"`);
  }
}
