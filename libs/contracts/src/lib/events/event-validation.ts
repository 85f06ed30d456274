export type EventValidationResult<T> = { ok: true; event: T } | { ok: false; reason: string };

/** What an event type promises about its fields; `problems` lists each broken one as `field: rule`. */
export interface EventContract<T> {
  readonly name: string;
  problems(event: Readonly<Record<string, unknown>>): string[];
  /** Brands the contract with its event type; never read. */
  readonly __event?: T;
}

/**
 * Validates a decoded message body against an event contract. Never throws: a consumer
 * dead-letters what fails, with the returned reason.
 */
export function validateEvent<T>(contract: EventContract<T>, payload: unknown): EventValidationResult<T> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, reason: 'payload is not a JSON object' };
  }
  const problems = contract.problems(payload as Record<string, unknown>);
  if (problems.length > 0) return { ok: false, reason: `invalid event: ${problems.join(', ')}` };
  return { ok: true, event: payload as T };
}

/** Decodes a message body (JSON bytes) and validates it. */
export function decodeEvent<T>(contract: EventContract<T>, body: Buffer): EventValidationResult<T> {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  return validateEvent(contract, payload);
}

/** A function naming the fields of an event that break their rule (one pass over a fixed list). */
export function fieldChecker(
  rules: Readonly<Record<string, (value: unknown) => string | undefined>>,
): (event: Readonly<Record<string, unknown>>) => string[] {
  const entries = Object.entries(rules);
  return (event) => {
    const problems: string[] = [];
    for (const [field, rule] of entries) {
      const broken = rule(event[field]);
      if (broken !== undefined) problems.push(`${field}: ${broken}`);
    }
    return problems;
  };
}
