import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { clientAddress } from '../http/client-address';
import { ANSWERS, type WebhookAnswer } from './webhook-answer';
import { WebhookService, type WebhookCall } from './webhook.service';

/** Body limits of the webhook routes: one for most, a larger one for some channel types. */
export interface WebhookBodyLimits {
  default: number;
  /** Channel types whose routes take a larger body, with that limit. */
  larger: Readonly<Record<string, number>>;
}

/** The provider call routes' body limits (WebhookBodyLimits), built from the gateway's configuration. */
export const WEBHOOK_BODY_LIMITS = Symbol('WEBHOOK_BODY_LIMITS');

const PREFIX = '/webhooks/';

/** `/webhooks/:type/:channelId` with its two segments decoded; null for any other path; 'malformed' for bad escapes. */
export function webhookRoute(url: string): { type: string; channelId: string } | null | 'malformed' {
  if (!url.startsWith(PREFIX)) return null;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, queryAt);
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1 || path.indexOf('/', slash + 1) !== -1) return null;
  try {
    return { type: decoded(path.slice(0, slash)), channelId: decoded(path.slice(slash + 1)) };
  } catch {
    return 'malformed';
  }
}

const decoded = (segment: string): string => (segment.includes('%') ? decodeURIComponent(segment) : segment);

/**
 * Provider calls (`POST /webhooks/:type/:channelId`) straight on node:http, ahead of Fastify: its router, request and
 * reply objects and content-type parsing cost about 13 µs of the gateway's CPU per call (docs/BENCHMARKS.md, "Provider
 * calls ahead of Fastify"). Everything else, the provider handshakes (GET) included, goes on to Fastify.
 *
 * What Fastify did for these routes is done here: the body as raw bytes whatever its content type (signatures are
 * over them), each route's body limit (413, and the connection closed so the rest is not read), X-Request-Id, the
 * caller's address through TRUST_PROXY_HOPS proxies, and 503 once the server is closing.
 */
@Injectable()
export class WebhookHttpHandler {
  private readonly logger = new Logger(WebhookHttpHandler.name);
  private closing = false;
  /** A Map, so a route type such as `constructor` finds no limit on Object's prototype. */
  private readonly largerLimits: ReadonlyMap<string, number>;
  private readonly defaultLimit: number;
  private readonly trustedProxyHops: number;

  constructor(
    private readonly service: WebhookService,
    @Inject(WEBHOOK_BODY_LIMITS) limits: WebhookBodyLimits,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.largerLimits = new Map(Object.entries(limits.larger));
    this.defaultLimit = limits.default;
    this.trustedProxyHops = config.trustProxyHops;
  }

  /** Serves the request when it is a provider call; false leaves it to Fastify. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    if (request.method !== 'POST') return false;
    const url = request.url ?? '';
    const route = webhookRoute(url);
    if (route === null) return false;
    if (this.closing) {
      // As Fastify answers while it closes: the provider retries elsewhere or later.
      send(response, ANSWERS.unavailable, true);
      return true;
    }
    if (route === 'malformed') {
      send(response, ANSWERS.badRequest(), false);
      return true;
    }
    const limit = this.largerLimits.get(route.type) ?? this.defaultLimit;
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      send(response, ANSWERS.tooLarge, true);
      return true;
    }
    this.readBody(request, response, limit, (rawBody) => {
      const call: WebhookCall = {
        routeType: route.type,
        channelId: route.channelId,
        pathAndQuery: url,
        method: 'POST',
        headers: request.headers,
        rawBody,
        query: queryOf(url),
        requestId: this.requestIdOf(request),
        sourceAddress: clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for'], this.trustedProxyHops),
      };
      this.service.receive(call).then(
        (answer) => send(response, answer, false),
        (error: Error) => {
          this.logger.error({ err: error.message, request_id: call.requestId }, 'webhook handler failed');
          send(response, ANSWERS.unavailable, false);
        },
      );
    });
    return true;
  }

  /** New calls are answered 503 from now on; calls in flight finish. */
  close(): void {
    this.closing = true;
  }

  private readBody(request: IncomingMessage, response: ServerResponse, limit: number, then: (body: Buffer) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // A chunked body that outgrows the limit: answer now and stop reading.
      request.off('data', onData).off('end', onEnd);
      send(response, ANSWERS.tooLarge, true);
    };
    const onEnd = () => then(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    request.on('data', onData).on('end', onEnd);
    // A caller that goes away mid-body was never answered and nothing was accepted: nothing to do but not crash.
    request.on('error', () => undefined);
  }

  /** The ingress's id when it set one; else a fresh UUID, which no other replica or Fastify's own counter can repeat. */
  private requestIdOf(request: IncomingMessage): string {
    const given = request.headers['x-request-id'];
    return typeof given === 'string' && given.length > 0 ? given : randomUUID();
  }
}

function queryOf(url: string): Record<string, unknown> {
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? {} : { ...parseQuery(url.slice(queryAt + 1)) };
}

function send(response: ServerResponse, answer: WebhookAnswer, closeConnection: boolean): void {
  if (response.headersSent || response.destroyed) return;
  const headers: Record<string, string | number> = {
    'content-type': answer.contentType,
    'content-length': Buffer.byteLength(answer.body),
    ...answer.headers,
  };
  if (closeConnection) headers['connection'] = 'close';
  response.writeHead(answer.status, headers).end(answer.body);
}
