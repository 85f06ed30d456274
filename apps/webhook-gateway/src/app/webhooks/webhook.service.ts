import { Inject, Injectable } from '@nestjs/common';
import {
  AdapterRegistry,
  hasVerificationChallenge,
  providerDefinitionFor,
  type ParsedEvents,
  type WebhookRequest,
} from '@inbound/adapters';
import {
  CHANNEL_TYPES,
  INBOUND_EXCHANGE,
  inboundRoutingKey,
  isChannelType,
  STATUS_EXCHANGE,
  statusRoutingKey,
  type ChannelType,
} from '@inbound/contracts';
import { ConfirmedPublisher } from '@inbound/messaging';
import { PinoLogger } from 'nestjs-pino';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { ChannelConnections } from './channel-connections';
import { ChannelDirectory, type ActiveChannel } from './channel-directory';
import { ANSWERS, type WebhookAnswer } from './webhook-answer';
import { WebhookMetrics } from './webhook-metrics';
import { VerificationThrottle } from './verification-throttle';
import { WebhookSpool } from './webhook-spool';

/** One provider call as the HTTP layer hands it over. */
export interface WebhookCall {
  routeType: string;
  channelId: string;
  /** Path and query exactly as requested; the public URL is WEBHOOK_BASE_URL + this. */
  pathAndQuery: string;
  method: string;
  headers: WebhookRequest['headers'];
  rawBody: Buffer;
  query: Record<string, unknown>;
  requestId: string;
  /** The caller's address (the peer, or X-Forwarded-For through TRUST_PROXY_HOPS proxies). */
  sourceAddress: string;
}

interface Publish {
  exchange: string;
  key: string;
  event: { event_id: string };
}

type Outcome = 'accepted' | 'rejected' | 'throttled' | 'invalid' | 'not_found' | 'unavailable';

/** Channel → signature → events → confirmed publish → answer; nothing a caller sends makes a 500. */
@Injectable()
export class WebhookService {
  private readonly throttle: VerificationThrottle;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly channels: ChannelDirectory,
    private readonly adapters: AdapterRegistry,
    private readonly publisher: ConfirmedPublisher,
    private readonly metrics: WebhookMetrics,
    private readonly logger: PinoLogger,
    private readonly spool: WebhookSpool,
    private readonly connections: ChannelConnections,
  ) {
    this.logger.setContext('WebhookService');
    this.throttle = new VerificationThrottle(config.signatureFailureLimit, config.signatureFailureWindowMs);
  }

  endpoints(): Record<string, string> {
    return Object.fromEntries(CHANNEL_TYPES.map((type) => [type, `/webhooks/${type}/:channelId`]));
  }

  async receive(call: WebhookCall): Promise<WebhookAnswer> {
    const started = process.hrtime.bigint();
    const type = isChannelType(call.routeType) ? call.routeType : 'unknown';
    const { answer, outcome } = await this.process(call);
    this.metrics.requests.inc({ channel_type: type, outcome });
    this.metrics.duration.observe({ channel_type: type, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    return answer;
  }

  private async process(call: WebhookCall): Promise<{ answer: WebhookAnswer; outcome: Outcome }> {
    const found = await this.channelFor(call);
    if ('answer' in found) return found;
    const { channel } = found;

    const provider = this.adapters.resolveProvider(channel.channel_type, channel.credentials);
    if (!provider) {
      this.reject(call, channel, 'no_adapter', 'warn');
      return { answer: ANSWERS.notFound, outcome: 'not_found' };
    }
    const { definition, adapter } = provider;
    const request: WebhookRequest = {
      method: call.method,
      url: this.config.webhookBaseUrl + call.pathAndQuery,
      headers: call.headers,
      rawBody: call.rawBody,
    };
    if (this.config.verifyWebhookSignatures) {
      const verdict = await adapter.verify(request, channel.credentials);
      if (!verdict.ok && verdict.reason === 'upstream_unavailable') {
        // Nothing was accepted; the provider retries once its own service answers again.
        this.reject(call, channel, verdict.reason, 'warn');
        return { answer: ANSWERS.unavailable, outcome: 'unavailable' };
      }
      if (!verdict.ok) {
        const throttle = this.throttle.recordFailure(call.sourceAddress);
        if (throttle.throttled) {
          // Not logged one by one: a flood of forged calls must not become a flood of log lines.
          this.metrics.throttled.inc({ channel_type: channel.channel_type });
          return { answer: ANSWERS.throttled(throttle.retryAfterSeconds), outcome: 'throttled' };
        }
        this.metrics.rejections.inc({ channel_type: channel.channel_type, reason: verdict.reason });
        this.reject(call, channel, verdict.reason, 'warn');
        return { answer: ANSWERS.unauthorized, outcome: 'rejected' };
      }
    }
    const parsed = adapter.parse(request, channel, new Date());
    if (!parsed.ok) {
      this.reject(call, channel, parsed.error.kind, 'warn');
      return { answer: ANSWERS.invalid(parsed.error.kind), outcome: 'invalid' };
    }
    this.countSkipped(call, channel, parsed.events);
    if (parsed.events.connections?.length) {
      try {
        // Committed (with its outbox event) before the answer; no spool: the sender retries on 503.
        for (const report of parsed.events.connections) await this.connections.record(channel, report);
      } catch (error) {
        this.reject(call, channel, `connection_write_failed: ${(error as Error).message}`, 'error');
        return { answer: ANSWERS.unavailable, outcome: 'unavailable' };
      }
    }
    const publishes = this.publishesOf(channel.channel_type, parsed.events);
    try {
      await this.publishAll(publishes);
    } catch (publishError) {
      // Not every event was confirmed: all go to the spool (duplicates carry the same event id). Only when
      // PostgreSQL cannot take them either is the answer 503.
      try {
        await this.spool.write(
          publishes.map(({ exchange, key, event }) => ({
            exchange,
            routingKey: key,
            messageId: event.event_id,
            payload: JSON.stringify(event),
          })),
        );
        this.metrics.spooled.inc({ channel_type: channel.channel_type }, publishes.length);
        this.logger.warn(
          { channel_id: channel.id, request_id: call.requestId, events: publishes.length, err: (publishError as Error).message },
          'events spooled',
        );
      } catch (spoolError) {
        this.reject(
          call,
          channel,
          `publish_failed: ${(publishError as Error).message}; spool_failed: ${(spoolError as Error).message}`,
          'error',
        );
        return { answer: ANSWERS.unavailable, outcome: 'unavailable' };
      }
    }
    adapter.accepted(request);
    return { answer: ANSWERS.accepted(definition.acceptedAnswer), outcome: 'accepted' };
  }

  /** A provider's GET handshake (Meta's subscription check); providers without one answer 404 before any lookup. */
  async challenge(call: WebhookCall): Promise<WebhookAnswer> {
    if (!isChannelType(call.routeType) || !hasVerificationChallenge(call.routeType)) return ANSWERS.notFound;
    const found = await this.channelFor(call);
    if ('answer' in found) return found.answer;
    const { channel } = found;
    const challenge = providerDefinitionFor(channel.channel_type, channel.credentials)?.verificationChallenge;
    if (!challenge) return ANSWERS.notFound;
    const answer = challenge.answer(call.query, channel.credentials);
    if (answer !== undefined) return ANSWERS.challenge(answer);
    this.reject(call, channel, 'bad_verify_token', 'warn');
    return ANSWERS.forbidden;
  }

  private async channelFor(call: WebhookCall): Promise<{ channel: ActiveChannel } | { answer: WebhookAnswer; outcome: Outcome }> {
    if (!isChannelType(call.routeType)) return { answer: ANSWERS.notFound, outcome: 'not_found' };
    let channel: ActiveChannel | null;
    try {
      channel = await this.channels.find(call.channelId);
    } catch (error) {
      // The database is away or the stored credentials cannot be opened: our problem, so
      // 503 and the provider retries later.
      this.logger.error({ channel_id: call.channelId, request_id: call.requestId, err: (error as Error).message }, 'channel lookup failed');
      return { answer: ANSWERS.unavailable, outcome: 'unavailable' };
    }
    if (!channel || channel.channel_type !== call.routeType) {
      this.logger.warn(
        { reason: 'unknown_channel', channel_id: call.channelId.slice(0, 64), channel_type: call.routeType, request_id: call.requestId },
        'webhook rejected',
      );
      return { answer: ANSWERS.notFound, outcome: 'not_found' };
    }
    return { channel };
  }

  private publishesOf(channelType: ChannelType, events: ParsedEvents): Publish[] {
    return [
      ...events.inbound.map((event) => ({ exchange: INBOUND_EXCHANGE, key: inboundRoutingKey(channelType), event })),
      ...events.statuses.map((event) => ({ exchange: STATUS_EXCHANGE, key: statusRoutingKey(event.status), event })),
    ];
  }

  /** All at once on the shared confirm channel; answered 2xx only when each one is durable. */
  private publishAll(publishes: readonly Publish[]): Promise<void> {
    // Most calls carry one event (a status storm always does): no settle-all bookkeeping for it.
    if (publishes.length === 1) return this.publishOne(publishes[0]);
    return Promise.allSettled(publishes.map((publish) => this.publishOne(publish))).then((results) => {
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
    });
  }

  private publishOne({ exchange, key, event }: Publish): Promise<void> {
    return this.publisher.publish(exchange, key, event).then(() => {
      this.metrics.published.inc({ routing_key: key });
    });
  }

  private countSkipped(call: WebhookCall, channel: ActiveChannel, events: ParsedEvents): void {
    if (!events.skipped) return;
    for (const [reason, count] of Object.entries(events.skipped)) {
      if (!count) continue;
      this.metrics.skipped.inc({ channel_type: channel.channel_type, reason }, count);
      this.logger.info({ reason, count, channel_id: channel.id, request_id: call.requestId }, 'webhook items skipped');
    }
  }

  private reject(call: WebhookCall, channel: ActiveChannel, reason: string, level: 'warn' | 'error'): void {
    this.logger[level](
      { reason, channel_id: channel.id, channel_type: channel.channel_type, request_id: call.requestId },
      'webhook rejected',
    );
  }
}
