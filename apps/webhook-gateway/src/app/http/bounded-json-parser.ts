import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { parseBoundedJson } from './bounded-json';

/**
 * Replaces Fastify's JSON parser for the routes outside /webhooks (the admin API): every body
 * is bounded (parseBoundedJson) before Nest's ValidationPipe and class-transformer see it, and
 * a refused one is a 400 naming the problem. Other content types are refused (415). The webhook
 * routes keep their own raw-bytes parser.
 */
export function registerBoundedJsonParser(fastify: FastifyInstance, bodyLimit: number): void {
  // JSON only: a text/plain or form body on the admin API is a 415, not a string to validate.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const parsed = parseBoundedJson(body as string);
    if (parsed.ok) done(null, parsed.value);
    else done(new BadRequestException({ error: 'invalid_request', message: parsed.problem }), undefined);
  });
}
