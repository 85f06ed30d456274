import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LogLevel } from '../config/common-config';

/** Replaced with "[redacted]" by pino; message bodies are never logged in the first place. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["svix-signature"]',
  'req.headers["x-twilio-email-event-webhook-signature"]',
  'credentials',
  '*.credentials',
  '*.bot_token',
  '*.webhook_secret',
  '*.app_secret',
  '*.auth_token',
  '*.access_token',
  '*.page_access_token',
  '*.signing_key',
  '*.basic_auth_password',
  '*.verify_token',
];

function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const value = Array.isArray(given) ? given[0] : given;
  // Accept a caller's id only when it looks like one; never let it inject into logs.
  return value && /^[\w.-]{1,128}$/.test(value) ? value : randomUUID();
}

/** nestjs-pino options: JSON lines with the service name and a request id on every line. */
export function loggerParams(service: string, level: LogLevel, forRoutes?: Params['forRoutes']): Params {
  return {
    forRoutes,
    pinoHttp: {
      level,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (req) => requestId(req),
      // Routine successful requests are counted in metrics; logging each would swamp the
      // log under a status storm.
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || (req.url ?? '') === '/metrics' },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
