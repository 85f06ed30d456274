import { BadRequestException } from '@nestjs/common';

/** The admin API's 400, naming the field that was refused. */
export function invalidRequest(field: string | undefined, message: string): BadRequestException {
  return new BadRequestException({ error: 'invalid_request', field, message });
}
