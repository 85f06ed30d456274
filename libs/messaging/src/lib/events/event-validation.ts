import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { InboundMessageEvent } from './inbound-message.event';
import { StatusUpdateEvent } from './status-update.event';

export type EventClass = new () => InboundMessageEvent | StatusUpdateEvent;

export type EventValidationResult<T> = { ok: true; event: T } | { ok: false; reason: string };

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.keys(error.constraints ?? {}).map((rule) => `${path}: ${rule}`);
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/**
 * Validates a decoded message body against an event class. Never throws: a consumer
 * dead-letters what fails, with the returned reason.
 */
export function validateEvent<C extends EventClass>(
  eventClass: C,
  payload: unknown,
): EventValidationResult<InstanceType<C>> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, reason: 'payload is not a JSON object' };
  }
  const instance = plainToInstance(eventClass as new () => object, payload) as InstanceType<C>;
  const errors = validateSync(instance as object, { forbidUnknownValues: true, whitelist: false });
  if (errors.length > 0) {
    return { ok: false, reason: `invalid event: ${describe(errors).join(', ')}` };
  }
  return { ok: true, event: instance };
}

/** Decodes a message body (JSON bytes) and validates it. */
export function decodeEvent<C extends EventClass>(
  eventClass: C,
  body: Buffer,
): EventValidationResult<InstanceType<C>> {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  return validateEvent(eventClass, payload);
}
