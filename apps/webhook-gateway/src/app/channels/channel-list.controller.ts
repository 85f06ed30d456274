import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { IsUUID } from 'class-validator';
import { AdminTokenGuard } from './admin-token.guard';
import type { ChannelView } from './channel-view';
import { ChannelListService } from './channel-list.service';

export class ListChannelsQuery {
  @IsUUID() account_id!: string;
}

/** `GET /channels?account_id=`: the operator console lists an account's channels; its own file, apart from the changes. */
@Controller('channels')
@UseGuards(AdminTokenGuard)
export class ChannelListController {
  constructor(private readonly channels: ChannelListService) {}

  @Get()
  async list(@Query() query: ListChannelsQuery): Promise<{ channels: ChannelView[] }> {
    return { channels: await this.channels.list(query.account_id) };
  }
}
