import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { IsUUID } from 'class-validator';
import { AdminTokenGuard } from '../channels/admin-token.guard';
import type { CampaignView } from './campaign-view';
import { CampaignsService } from './campaigns.service';

export class ListCampaignsQuery {
  @IsUUID() account_id!: string;
}

/** `GET /campaigns?account_id=`: an account's group messages and their counters, newest first. Read only. */
@Controller('campaigns')
@UseGuards(AdminTokenGuard)
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Get()
  async list(@Query() query: ListCampaignsQuery): Promise<{ campaigns: CampaignView[] }> {
    return { campaigns: await this.campaigns.list(query.account_id) };
  }
}
