import { MessageHandlerErrorBehavior, type RabbitMQConfig } from '@golevelup/nestjs-rabbitmq';
import { INBOUND_EXCHANGE, STATUS_EXCHANGE } from '@inbound/contracts';

export interface ConsumerConnectionOptions {
  url: string;
  /** Messages a consumer may hold unacknowledged; also the largest batch a worker applies. */
  prefetchCount: number;
}

/** A handler error NACKs without requeue (so dead-letters) rather than looping on a message that always fails. */
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
