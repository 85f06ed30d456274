import { Body, Controller, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { CreateChannelDto, UpdateChannelDto } from './channel.dto';
import type { ChannelView } from './channel-view';
import { ChannelsService } from './channels.service';

@Controller('channels')
@UseGuards(AdminTokenGuard)
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: CreateChannelDto): Promise<ChannelView> {
    return this.channels.create(body);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<ChannelView> {
    return this.channels.get(id);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body() body: UpdateChannelDto): Promise<ChannelView> {
    return this.channels.update(id, body);
  }

  @Post(':id/register-webhook')
  @HttpCode(200)
  registerWebhook(@Param('id') id: string): Promise<ChannelView['webhook']> {
    return this.channels.registerWebhook(id);
  }
}
