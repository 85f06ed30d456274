import { Module } from '@nestjs/common';
import { AdminTokenGuard } from '../channels/admin-token.guard';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';

/** Read-only admin view of group messages (campaigns); the query is validated by the pipe ChannelsModule installs. */
@Module({
  controllers: [CampaignsController],
  providers: [AdminTokenGuard, CampaignsService],
})
export class CampaignsModule {}
