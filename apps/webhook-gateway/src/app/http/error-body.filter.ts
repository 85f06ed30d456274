import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** `Unsupported Media Type` → `unsupported_media_type`. */
function codeOf(status: number): string {
  const name = (HttpStatus[status] as string | undefined) ?? 'error';
  return name.toLowerCase();
}

/** `{"error": "<code>", "message": "…", …}` for every Nest route; a non-HttpException is a 500 with the cause only in the log. */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorBodyFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (!(exception instanceof HttpException)) {
      this.logger.error(`unhandled error: ${exception instanceof Error ? exception.message : String(exception)}`);
      void reply.status(500).send({ error: 'internal_error', message: 'the request could not be handled' });
      return;
    }
    const status = exception.getStatus();
    const response = exception.getResponse();
    const fields = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : { message: response };
    const { statusCode: _statusCode, ...rest } = fields;
    const error = typeof rest['error'] === 'string' && /^[a-z_]+$/.test(rest['error']) ? rest['error'] : codeOf(status);
    const message =
      typeof rest['message'] === 'string'
        ? rest['message']
        : Array.isArray(rest['message'])
          ? rest['message'].join('; ')
          : exception.message;
    void reply.status(status).send({ ...rest, error, message });
  }
}
