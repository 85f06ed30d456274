import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleFile } from './console-files';

export const CONSOLE_PATH = '/console';

/**
 * The page loads only scripts and styles of this origin, talks only to it (the admin API and the realtime socket), and
 * cannot be framed: no inline script or style can run even if a value shown on a page carried markup.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const COMMON_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * `GET /console` (the page) and `GET /console/<file>` (its modules and styles), from memory. The page is never cached
 * (it names the modules); the other files are revalidated by their ETag, so a new build is picked up at the next load.
 * The page asks for the admin token itself; every API call it makes goes through the admin guard.
 */
export function registerConsoleRoutes(files: Map<string, ConsoleFile>) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const send = (request: FastifyRequest, reply: FastifyReply, name: string) => {
      const file = files.get(name);
      if (!file) return reply.status(404).headers(COMMON_HEADERS).send({ error: 'not_found', message: 'no such file' });
      void reply
        .headers(COMMON_HEADERS)
        .header('cache-control', name === 'index.html' ? 'no-store' : 'no-cache')
        .header('etag', file.etag);
      if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
      return reply.header('content-type', file.contentType).send(file.body);
    };
    fastify.get(CONSOLE_PATH, (request, reply) => send(request, reply, 'index.html'));
    fastify.get(`${CONSOLE_PATH}/`, (request, reply) => send(request, reply, 'index.html'));
    fastify.get<{ Params: { '*': string } }>(`${CONSOLE_PATH}/*`, (request, reply) => send(request, reply, request.params['*']));
  };
}
