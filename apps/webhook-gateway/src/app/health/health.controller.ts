import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import { ConfirmedPublisher } from '@inbound/messaging';
import { checkReadiness, postgresReadiness } from '@inbound/runtime';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, METRICS_REGISTRY } from '../infrastructure/infrastructure.module';

@Controller()
export class HealthController {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly publisher: ConfirmedPublisher,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  /** Liveness: the event loop answers. Dependencies are readiness's business. */
  @Get('health/live')
  @HttpCode(200)
  live(): { status: string; service: string } {
    return { status: 'ok', service: 'webhook-gateway' };
  }

  /** The readiness probe: true while RabbitMQ or PostgreSQL answers; requiring both would empty the Service on a blip. */
  @Get('health/accepting')
  async accepting(@Res() reply: FastifyReply): Promise<void> {
    const report = await checkReadiness({ postgres: postgresReadiness(this.dataSource), rabbitmq: () => this.rabbitmqUp() });
    const accepting = Object.values(report.checks).includes('up');
    await reply
      .status(accepting ? 200 : 503)
      .send({ status: accepting ? 'accepting' : 'not_accepting', checks: report.checks, service: 'webhook-gateway' });
  }

  @Get('health/ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const report = await checkReadiness({
      postgres: postgresReadiness(this.dataSource),
      rabbitmq: () => this.rabbitmqUp(),
    });
    await reply.status(report.status === 'ready' ? 200 : 503).send({ ...report, service: 'webhook-gateway' });
  }

  /** Reconnects if the broker came back; a gateway that cannot publish is not ready. */
  private async rabbitmqUp(): Promise<boolean> {
    await this.publisher.connect();
    return this.publisher.isConnected;
  }

  @Get('metrics')
  @Header('cache-control', 'no-store')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply.header('content-type', this.registry.contentType).send(await this.registry.metrics());
  }
}
