import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { apiSetupOf, PROVIDER_DEFINITIONS } from '@inbound/adapters';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';
import { ChannelsService } from './channels.service';

/** The channel types whose registration drifts, with the shortest interval their providers ask for. */
function reconciledChannelTypes(): { types: string[]; everyMs: number | null } {
  const intervals = new Map<string, number>();
  for (const definition of PROVIDER_DEFINITIONS) {
    const every = apiSetupOf(definition.webhook)?.reconcileEveryMs ?? null;
    if (every === null) continue;
    intervals.set(definition.channelType, Math.min(every, intervals.get(definition.channelType) ?? every));
  }
  return { types: [...intervals.keys()], everyMs: intervals.size === 0 ? null : Math.min(...intervals.values()) };
}

/**
 * At start and then periodically, registers again every active channel whose provider's registration drifts
 * (another tool may delete or duplicate it, a failure is retried). Off the start path: the gateway serves at once.
 */
@Injectable()
export class WebhookReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly schedule = reconciledChannelTypes();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly channels: ChannelsService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('WebhookReconciler');
  }

  onApplicationBootstrap(): void {
    const { everyMs } = this.schedule;
    if (everyMs === null) return;
    this.timer = setInterval(() => this.runOnce(), everyMs);
    this.timer.unref();
    setImmediate(() => this.runOnce());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the reconciled channels; a pass still running is not doubled. */
  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    let rows: Array<{ id: string }>;
    try {
      rows = await this.dataSource.query(`SELECT id FROM channels WHERE is_active AND channel_type = ANY($1) ORDER BY created_at`, [
        this.schedule.types,
      ]);
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'could not list the channels to reconcile');
      return;
    }
    let registered = 0;
    let failed = 0;
    for (const { id } of rows) {
      if (this.stopped) break;
      try {
        const webhook = await this.channels.registerWebhook(id, 'skip');
        if (webhook.status === 'failed') failed += 1;
        else registered += 1;
      } catch (error) {
        // A channel deactivated meanwhile, or credentials this gateway cannot open: the next channel still gets its turn.
        failed += 1;
        this.logger.warn({ channel_id: id, error: (error as Error).message }, 'webhook reconciliation failed');
      }
    }
    if (rows.length > 0) this.logger.info({ channels: rows.length, registered, failed }, 'webhooks reconciled');
  }
}
