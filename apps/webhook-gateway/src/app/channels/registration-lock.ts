import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';

// First key of the two-key advisory lock: the namespace of webhook registrations (the second is the channel).
const REGISTRATION_LOCK_SPACE = `hashtext('messaging.webhook_registration')`;

/**
 * One replica at a time talks to a channel's provider about its webhook: five gateways starting together
 * must not each create one. A session lock on its own connection, held across the provider calls.
 */
@Injectable()
export class RegistrationLock {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Runs `work` under the channel's lock, waiting for it. */
  async hold<T>(channelId: string, work: () => Promise<T>): Promise<T> {
    const outcome = await this.run(channelId, 'wait', work);
    return (outcome as { value: T }).value;
  }

  /** Runs `work` under the channel's lock, or not at all when another replica holds it (that one is doing the work). */
  tryHold<T>(channelId: string, work: () => Promise<T>): Promise<{ value: T } | 'busy'> {
    return this.run(channelId, 'try', work);
  }

  private async run<T>(channelId: string, mode: 'wait' | 'try', work: () => Promise<T>): Promise<{ value: T } | 'busy'> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      if (mode === 'wait') {
        await runner.query(`SELECT pg_advisory_lock(${REGISTRATION_LOCK_SPACE}, hashtext($1))`, [channelId]);
      } else {
        const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(${REGISTRATION_LOCK_SPACE}, hashtext($1)) AS locked`, [
          channelId,
        ]);
        if (!locked) return 'busy';
      }
      try {
        return { value: await work() };
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(${REGISTRATION_LOCK_SPACE}, hashtext($1))`, [channelId]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
