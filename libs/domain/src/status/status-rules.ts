import { eventTimeMillis, isLifecycleStatus } from '@inbound/contracts';
import { type MessageErrorDetails, type MessageStatus, STATUS_RANK } from './message-status';

// docs/CONTRACTS.md, "Status rules". `failed` stays terminal even after a read receipt, as the failed counter cannot move back.

export const GROUP_COUNTERS = ['delivered_count', 'failed_count', 'read_count'] as const;
export type GroupCounter = (typeof GROUP_COUNTERS)[number];

export interface MessageStatusState {
  status: MessageStatus;
  sent_at: Date | null;
  delivered_at: Date | null;
  failed_at: Date | null;
  /** `metadata_.read_at`, an ISO-8601 string. */
  read_at: string | null;
  error_details: MessageErrorDetails | null;
}

/** The part of a status update event the rules read (field names as on the bus). */
export interface IncomingStatusUpdate {
  status: string;
  /** The provider's event time, ISO-8601. */
  timestamp: string;
  error_code?: string | null;
  error_message?: string | null;
  provider_status?: string | null;
}

/** New values to write; a field that is absent stays as it is. */
export interface MessageStatusChanges {
  status?: MessageStatus;
  sent_at?: Date;
  delivered_at?: Date;
  failed_at?: Date;
  read_at?: string;
  error_details?: MessageErrorDetails;
}

/**
 * `already_recorded`: a duplicate or a step behind; `lifecycle_ended`: the message failed (only an
 * earlier `sent_at` still applies); `already_delivered`: a failure reported after delivery.
 */
export type IgnoredReason = 'already_recorded' | 'lifecycle_ended' | 'already_delivered';

export interface InformationalStatusEvent {
  status: string;
  /** The provider's event time, normalised to ISO-8601 UTC. */
  timestamp: string;
  error_code?: string;
  error_message?: string;
  provider_status?: string;
}

export type StatusUpdateOutcome =
  | { kind: 'changed'; changes: MessageStatusChanges; counters: GroupCounter[] }
  | { kind: 'ignored'; reason: IgnoredReason }
  | { kind: 'informational'; event: InformationalStatusEvent };

/** Event times are RFC 3339, read by position; anything else goes to the general date parser (NaN if it cannot). */
function millisOf(text: string): number {
  const millis = eventTimeMillis(text);
  return Number.isNaN(millis) ? Date.parse(text) : millis;
}

/** Throws RangeError for a time that is not a date: events are validated at the edge, so that is a bug. */
export function parseStatusTime(timestamp: string): Date {
  const at = new Date(millisOf(timestamp));
  if (Number.isNaN(at.getTime())) {
    throw new RangeError(`status update timestamp is not a valid time: ${JSON.stringify(timestamp)}`);
  }
  return at;
}

function isEarlier(candidate: Date, recorded: Date | string | null): boolean {
  if (recorded === null) return true;
  // A recorded time that is not a time compares false, so it is kept, as before.
  return candidate.getTime() < (typeof recorded === 'string' ? millisOf(recorded) : recorded.getTime());
}

/**
 * Pure. Apply the result with {@link mergeStatusChanges}, or write `changes` to the row and add 1
 * to each counter in `counters` in the same transaction.
 */
export function applyStatusUpdate(current: MessageStatusState, update: IncomingStatusUpdate): StatusUpdateOutcome {
  const at = parseStatusTime(update.timestamp);
  if (!isLifecycleStatus(update.status)) {
    return { kind: 'informational', event: informationalEvent(update, at) };
  }

  const changes: MessageStatusChanges = {};
  const counters: GroupCounter[] = [];
  let ignoredReason: IgnoredReason = 'already_recorded';

  switch (update.status) {
    case 'queued':
      if (current.status === 'failed') ignoredReason = 'lifecycle_ended';
      else if (current.status === 'pending') changes.status = 'queued';
      break;

    case 'sent':
      // sent_at may still be filled in after a failure: the watermark rule reads it.
      if (current.status !== 'failed' && STATUS_RANK[current.status] < STATUS_RANK.sent) changes.status = 'sent';
      if (isEarlier(at, current.sent_at)) changes.sent_at = at;
      break;

    case 'delivered':
    case 'read':
      if (current.status === 'failed') {
        ignoredReason = 'lifecycle_ended';
        break;
      }
      // A read message was delivered, at the latest when it was read.
      if (current.status !== 'delivered') {
        changes.status = 'delivered';
        changes.delivered_at = at;
        counters.push('delivered_count');
      } else if (isEarlier(at, current.delivered_at)) {
        changes.delivered_at = at;
      }
      if (update.status === 'read' && isEarlier(at, current.read_at)) {
        changes.read_at = at.toISOString();
        if (current.read_at === null) counters.push('read_count');
      }
      break;

    case 'failed':
      if (current.status === 'delivered') {
        ignoredReason = 'already_delivered';
        break;
      }
      if (current.status !== 'failed') {
        changes.status = 'failed';
        counters.push('failed_count');
      } else if (!isEarlier(at, current.failed_at)) {
        break; // the earliest failure report is kept, with its details
      }
      changes.failed_at = at;
      changes.error_details = {
        code: update.error_code ?? null,
        message: update.error_message ?? null,
        provider_status: update.provider_status ?? null,
      };
      break;
  }

  if (Object.keys(changes).length === 0) return { kind: 'ignored', reason: ignoredReason };
  return { kind: 'changed', changes, counters };
}

function informationalEvent(update: IncomingStatusUpdate, at: Date): InformationalStatusEvent {
  const event: InformationalStatusEvent = { status: update.status, timestamp: at.toISOString() };
  if (update.error_code != null) event.error_code = update.error_code;
  if (update.error_message != null) event.error_message = update.error_message;
  if (update.provider_status != null) event.provider_status = update.provider_status;
  return event;
}

/** The row state after writing `changes` (a new object; `state` is not modified). */
export function mergeStatusChanges(state: MessageStatusState, changes: MessageStatusChanges): MessageStatusState {
  return {
    status: changes.status ?? state.status,
    sent_at: changes.sent_at ?? state.sent_at,
    delivered_at: changes.delivered_at ?? state.delivered_at,
    failed_at: changes.failed_at ?? state.failed_at,
    read_at: changes.read_at ?? state.read_at,
    error_details: changes.error_details ?? state.error_details,
  };
}
