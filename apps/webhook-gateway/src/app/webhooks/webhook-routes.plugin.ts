import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ANSWERS, type WebhookAnswer } from './webhook-answer';
import type { WebhookCall, WebhookService } from './webhook.service';

function send(reply: FastifyReply, answer: WebhookAnswer): FastifyReply {
  if (answer.headers) reply.headers(answer.headers);
  return reply.status(answer.status).type(answer.contentType).send(answer.body);
}

function toCall(request: FastifyRequest<{ Params: { type: string; channelId: string } }>): WebhookCall {
  return {
    routeType: request.params.type,
    channelId: request.params.channelId,
    pathAndQuery: request.url,
    method: request.method,
    headers: request.headers,
    rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    query: (request.query ?? {}) as Record<string, unknown>,
    requestId: request.id,
    sourceAddress: request.ip,
  };
}

/**
 * The webhook routes Fastify serves: the health answer and the providers' GET handshakes, straight on Fastify with no
 * Nest pipeline. Provider calls (POST) are taken before Fastify by WebhookHttpHandler.
 */
export function registerWebhookRoutes(service: WebhookService) {
  return async (app: FastifyInstance): Promise<void> => {
    // A handshake never needs a body; one sent anyway is taken as bytes (BODY_LIMIT_BYTES) rather than refused as 415.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) return send(reply, ANSWERS.tooLarge);
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        return send(reply, ANSWERS.badRequest(error.statusCode));
      }
      request.log.error({ err: error.message, request_id: request.id }, 'webhook handler failed');
      return send(reply, ANSWERS.unavailable);
    });

    app.get('/webhooks/health', async (_request, reply) =>
      reply.send({ status: 'healthy', service: 'webhook-gateway', endpoints: service.endpoints(), timestamp: new Date().toISOString() }),
    );

    app.get<{ Params: { type: string; channelId: string } }>('/webhooks/:type/:channelId', async (request, reply) =>
      send(reply, await service.challenge(toCall(request))),
    );
  };
}
