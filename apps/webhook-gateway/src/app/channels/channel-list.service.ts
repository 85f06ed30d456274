import { Inject, Injectable } from '@nestjs/common';
import { Channel } from '@inbound/domain';
import { isChannelType, type ChannelType } from '@inbound/contracts';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';
import { channelView, type ChannelView } from './channel-view';
import { WebhookSetup } from './webhook-setup';

/** At most this many channels in one answer: an account has a handful; the cap keeps a runaway one from a huge answer. */
export const CHANNEL_LIST_LIMIT = 500;

/** Reads only: the same view as `GET /channels/:id`, credentials never opened. */
@Injectable()
export class ChannelListService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly setup: WebhookSetup,
  ) {}

  async list(accountId: string): Promise<ChannelView[]> {
    const rows = await this.dataSource.getRepository(Channel).find({
      where: { account_id: accountId },
      order: { created_at: 'DESC', id: 'DESC' },
      take: CHANNEL_LIST_LIMIT,
    });
    return rows
      .filter((row) => isChannelType(row.channel_type))
      .map((row) => channelView(row, this.setup.webhookUrl(row.channel_type as ChannelType, row.id)));
  }
}
