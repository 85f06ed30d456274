import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../channels/admin-token.guard';
import { SubscriptionTestDto } from './delivery.dto';
import { SubscriptionTestService, type SubscriptionTestResult } from './subscription-test.service';
import { CreateSubscriptionDto, ListSubscriptionsQuery, UpdateSubscriptionDto } from './subscription.dto';
import type { SubscriptionView, SubscriptionWithSecret } from './subscription-view';
import { SubscriptionsService } from './subscriptions.service';

@Controller('subscriptions')
@UseGuards(AdminTokenGuard)
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly tests: SubscriptionTestService,
  ) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: CreateSubscriptionDto): Promise<SubscriptionWithSecret> {
    return this.subscriptions.create(body);
  }

  @Get()
  async list(@Query() query: ListSubscriptionsQuery): Promise<{ subscriptions: SubscriptionView[] }> {
    return { subscriptions: await this.subscriptions.list(query.account_id) };
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<SubscriptionView> {
    return this.subscriptions.get(id);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body() body: UpdateSubscriptionDto): Promise<SubscriptionView> {
    return this.subscriptions.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id') id: string): Promise<void> {
    return this.subscriptions.remove(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  rotateSecret(@Param('id') id: string): Promise<SubscriptionWithSecret> {
    return this.subscriptions.rotateSecret(id);
  }

  /** Sends a `webhook.test` event now and answers what the endpoint did; the body takes no fields. */
  @Post(':id/test')
  @HttpCode(200)
  test(@Param('id') id: string, @Body() _body: SubscriptionTestDto): Promise<SubscriptionTestResult> {
    return this.tests.test(id);
  }
}
