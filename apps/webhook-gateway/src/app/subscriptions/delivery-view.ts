/** The states of a row of `webhook_deliveries` (its check constraint). */
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A `webhook_deliveries` row as node-postgres gives it (timestamptz as Date, jsonb parsed). */
export interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  error_class: string | null;
  duration_ms: number | null;
  created_at: Date;
}

/** The columns of DeliveryRow, for the SELECTs and RETURNINGs that build a view. */
export const DELIVERY_VIEW_COLUMNS = `id, subscription_id, event_id, event_type, status, attempts, next_attempt_at, last_attempt_at,
  response_status, response_body, error, error_class, duration_ms, created_at`;

/** A delivery as the admin API lists it: what happened and what comes next, without the payload. */
export interface DeliveryView {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  /** When the dispatcher tries again; null when nothing is due (succeeded, dead). */
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  /** Of the last attempt. */
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  error_class: string | null;
  duration_ms: number | null;
  created_at: string;
}

export interface AttemptRow {
  attempt: number;
  started_at: Date;
  response_status: number | null;
  response_body: string | null;
  error_class: string | null;
  error: string | null;
  duration_ms: number;
}

export const ATTEMPT_VIEW_COLUMNS = `attempt, started_at, response_status, response_body, error_class, error, duration_ms`;

export type AttemptView = Omit<AttemptRow, 'started_at'> & { started_at: string };

/** One delivery in full: the envelope sent and every attempt, first to last. */
export type DeliveryDetail = DeliveryView & { payload: unknown; attempts_log: AttemptView[] };

const iso = (time: Date | null): string | null => (time === null ? null : time.toISOString());

export function deliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    subscription_id: row.subscription_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: iso(row.next_attempt_at),
    last_attempt_at: iso(row.last_attempt_at),
    response_status: row.response_status,
    response_body: row.response_body,
    error: row.error,
    error_class: row.error_class,
    duration_ms: row.duration_ms,
    created_at: row.created_at.toISOString(),
  };
}

export function attemptView(row: AttemptRow): AttemptView {
  return {
    attempt: row.attempt,
    started_at: row.started_at.toISOString(),
    response_status: row.response_status,
    response_body: row.response_body,
    error_class: row.error_class,
    error: row.error,
    duration_ms: row.duration_ms,
  };
}
