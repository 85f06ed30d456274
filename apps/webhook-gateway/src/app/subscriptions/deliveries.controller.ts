import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../channels/admin-token.guard';
import { DeliveriesService, type DeliveryPage } from './deliveries.service';
import { BulkRedeliverDto, ListDeliveriesQuery } from './delivery.dto';
import type { DeliveryDetail, DeliveryView } from './delivery-view';

/** The delivery log of subscriber webhooks and redelivery, behind the admin token like the subscriptions themselves. */
@Controller()
@UseGuards(AdminTokenGuard)
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get('subscriptions/:id/deliveries')
  list(@Param('id') id: string, @Query() query: ListDeliveriesQuery): Promise<DeliveryPage> {
    return this.deliveries.list(id, query);
  }

  @Post('subscriptions/:id/redeliver')
  @HttpCode(202)
  redeliverAll(@Param('id') id: string, @Body() body: BulkRedeliverDto): Promise<{ redelivered: number }> {
    // No body at all takes every default: the pipe validates it as {} but hands it on as it came (undefined).
    // (The parameter's type must stay the bare class: the pipe finds the rules through it.)
    return this.deliveries.redeliverAll(id, (body as BulkRedeliverDto | undefined) ?? {});
  }

  @Get('deliveries/:id')
  get(@Param('id') id: string): Promise<DeliveryDetail> {
    return this.deliveries.get(id);
  }

  @Post('deliveries/:id/redeliver')
  @HttpCode(202)
  redeliver(@Param('id') id: string): Promise<DeliveryView> {
    return this.deliveries.redeliver(id);
  }
}
