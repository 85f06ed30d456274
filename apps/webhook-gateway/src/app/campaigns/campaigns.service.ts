import { Inject, Injectable } from '@nestjs/common';
import { GroupMessage } from '@inbound/domain';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';
import { campaignView, type CampaignView } from './campaign-view';

/** The newest group messages of an account, at most this many. */
export const CAMPAIGN_LIST_LIMIT = 100;

@Injectable()
export class CampaignsService {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async list(accountId: string): Promise<CampaignView[]> {
    const rows = await this.dataSource.getRepository(GroupMessage).find({
      where: { account_id: accountId },
      order: { created_at: 'DESC', id: 'DESC' },
      take: CAMPAIGN_LIST_LIMIT,
    });
    return rows.map(campaignView);
  }
}
