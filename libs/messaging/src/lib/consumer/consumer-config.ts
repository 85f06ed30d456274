import { MessageHandlerErrorBehavior, type RabbitMQConfig } from '@golevelup/nestjs-rabbitmq';
import { INBOUND_EXCHANGE, STATUS_EXCHANGE } from '@inbound/contracts';

export interface ConsumerConnectionOptions {
  url: string;
  /** Messages a consumer may hold unacknowledged; also the largest batch a worker applies. */
  prefetchCount: number;
}

/**
 * The RabbitMQ module configuration both workers use. A handler error NACKs without
 * requeue (the queue dead-letters it) instead of requeueing, which would loop forever on a
 * message that always fails; handlers route expected failures through FailureRouter first.
 */
export function workerRabbitConfig(options: ConsumerConnectionOptions): RabbitMQConfig {
  return {
    uri: options.url,
    exchanges: [INBOUND_EXCHANGE, STATUS_EXCHANGE].map((name) => ({
      name,
      type: 'topic',
      options: { durable: true },
    })),
    channels: {
      consumer: { prefetchCount: options.prefetchCount, default: true },
    },
    defaultSubscribeErrorBehavior: MessageHandlerErrorBehavior.NACK,
    connectionInitOptions: { wait: true, timeout: 15_000, reject: true },
    enableControllerDiscovery: false,
  };
}
