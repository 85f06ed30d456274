import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { parseBoundedJson } from './bounded-json';

/** Admin API: bounded JSON only (400 naming the problem; 415 for other types). The webhook routes keep raw bytes. */
export function registerBoundedJsonParser(fastify: FastifyInstance, bodyLimit: number): void {
  // JSON only: a text/plain or form body on the admin API is a 415, not a string to validate.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const parsed = parseBoundedJson(body as string);
    if (parsed.ok) done(null, parsed.value);
    else done(new BadRequestException({ error: 'invalid_request', message: parsed.problem }), undefined);
  });
}
