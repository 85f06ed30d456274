import {
  applyStatusUpdate,
  type GroupCounter,
  type IncomingStatusUpdate,
  type InformationalStatusEvent,
  type MessageStatusState,
  mergeStatusChanges,
  parseStatusTime,
} from '@inbound/domain';
import {
  type FoldedBatch,
  type InformationalRecords,
  isWatermarkUpdate,
  type LockedMessage,
  type MessageRowWrite,
  type StatusIgnoredReason,
  type StatusUpdate,
  type StatusUpdateResult,
} from './status-batch.types';
import { statusEventRecord, statusEventTypes, type StatusEventRecord } from './status-events';

/** Informational kinds kept per message; a new kind beyond this is ignored, so metadata_ stays small. */
export const MAX_INFORMATIONAL_KINDS = 16;
/** Longest error message kept for an informational kind (the event allows 4 KiB). */
export const MAX_INFORMATIONAL_MESSAGE_LENGTH = 512;

export function messageKey(channelId: string, providerMessageId: string): string {
  return `${channelId}\u0000${providerMessageId}`;
}

function recipientKey(channelId: string, address: string): string {
  return `${channelId}\u0000${address}`;
}

interface WorkingRow {
  row: LockedMessage;
  state: MessageStatusState;
  statusEvents: InformationalRecords;
  changedFields: Set<keyof MessageStatusState>;
  statusEventsChanged: boolean;
  counters: Set<GroupCounter>;
  events: StatusEventRecord[];
}

function incoming(update: StatusUpdate): IncomingStatusUpdate {
  return {
    status: update.status,
    timestamp: update.timestamp,
    error_code: update.error_code,
    error_message: update.error_message,
    provider_status: update.provider_status,
  };
}

/** Idempotent and order-independent: keeps the earliest and the latest time (the latest with its details). */
export function recordInformational(
  records: InformationalRecords,
  event: InformationalStatusEvent,
): { records: InformationalRecords; changed: boolean; limited: boolean } {
  const existing = Object.prototype.hasOwnProperty.call(records, event.status) ? records[event.status] : undefined;
  const details = {
    ...(event.error_code !== undefined ? { error_code: event.error_code } : {}),
    ...(event.error_message !== undefined ? { error_message: event.error_message.slice(0, MAX_INFORMATIONAL_MESSAGE_LENGTH) } : {}),
    ...(event.provider_status !== undefined ? { provider_status: event.provider_status } : {}),
  };
  if (!existing) {
    if (Object.keys(records).length >= MAX_INFORMATIONAL_KINDS) return { records, changed: false, limited: true };
    return {
      records: { ...records, [event.status]: { first_at: event.timestamp, last_at: event.timestamp, ...details } },
      changed: true,
      limited: false,
    };
  }
  const at = Date.parse(event.timestamp);
  const earlier = at < Date.parse(existing.first_at);
  const later = at > Date.parse(existing.last_at);
  if (!earlier && !later) return { records, changed: false, limited: false };
  const next = later ? { first_at: existing.first_at, last_at: event.timestamp, ...details } : { ...existing };
  if (earlier) next.first_at = event.timestamp;
  return { records: { ...records, [event.status]: next }, changed: true, limited: false };
}

/**
 * The same result as applying the updates one at a time in arrival order (the rows are locked). Counter moves come
 * from the rows' transitions, never from the updates.
 */
export function foldStatusBatch(updates: readonly StatusUpdate[], rows: readonly LockedMessage[]): FoldedBatch {
  const working = new Map<string, WorkingRow>();
  const byMessageKey = new Map<string, WorkingRow[]>();
  const byRecipient = new Map<string, WorkingRow[]>();
  for (const row of rows) {
    const entry: WorkingRow = {
      row,
      state: row.state,
      statusEvents: row.status_events,
      changedFields: new Set(),
      statusEventsChanged: false,
      counters: new Set(),
      events: [],
    };
    working.set(row.id, entry);
    if (row.provider_message_id !== null) push(byMessageKey, messageKey(row.channel_id, row.provider_message_id), entry);
    push(byRecipient, recipientKey(row.channel_id, row.delivery_address), entry);
  }

  const results = updates.map((update): StatusUpdateResult => {
    const targets = targetsOf(update, byMessageKey, byRecipient);
    if (targets === 'not_found') return { kind: 'not_found' };
    if (targets === 'recipient_not_tracked') return { kind: 'ignored', reason: 'recipient_not_tracked' };
    if (targets.length === 0) return { kind: 'ignored', reason: 'no_messages_covered' };
    let applied = false;
    let firstReason: StatusIgnoredReason | undefined;
    for (const target of targets) {
      const outcome = applyStatusUpdate(target.state, incoming(update));
      if (outcome.kind === 'changed') {
        const types = statusEventTypes(outcome.changes, outcome.counters);
        if (types.length > 0) {
          const occurredAt = parseStatusTime(update.timestamp).toISOString();
          for (const type of types) {
            target.events.push(statusEventRecord(target.row.id, type, target.state.status, occurredAt, update.channel_type));
          }
        }
        target.state = mergeStatusChanges(target.state, outcome.changes);
        for (const field of Object.keys(outcome.changes) as Array<keyof MessageStatusState>) target.changedFields.add(field);
        for (const counter of outcome.counters) target.counters.add(counter);
        applied = true;
      } else if (outcome.kind === 'informational') {
        const recorded = recordInformational(target.statusEvents, outcome.event);
        if (recorded.changed) {
          target.statusEvents = recorded.records;
          target.statusEventsChanged = true;
          applied = true;
        } else {
          firstReason ??= recorded.limited ? 'informational_limit' : 'already_recorded';
        }
      } else {
        firstReason ??= outcome.reason;
      }
    }
    return applied ? { kind: 'applied' } : { kind: 'ignored', reason: firstReason ?? 'already_recorded' };
  });

  const writes: MessageRowWrite[] = [];
  for (const entry of working.values()) {
    if (entry.changedFields.size === 0 && !entry.statusEventsChanged) continue;
    writes.push(rowWrite(entry));
  }
  return { results, writes };
}

function targetsOf(
  update: StatusUpdate,
  byMessageKey: Map<string, WorkingRow[]>,
  byRecipient: Map<string, WorkingRow[]>,
): WorkingRow[] | 'not_found' | 'recipient_not_tracked' {
  if (!isWatermarkUpdate(update)) {
    const sharing = byMessageKey.get(messageKey(update.channel_id, update.provider_message_id as string));
    if (!sharing) return 'not_found';
    const recipient = update.recipient_address;
    if (recipient === undefined) return sharing;
    // One id can cover several recipients: the update moves only the row of the one it names, even when that is the only
    // row under the id. A recipient with no row (a cc) is not tracked: acked, not retried.
    const recipientRows = sharing.filter((entry) => sameAddress(update.channel_type, entry.row.delivery_address, recipient));
    return recipientRows.length > 0 ? recipientRows : 'recipient_not_tracked';
  }
  // Covered: sent (or, not sent yet, created) at or before the watermark, as the message stands
  // at this point of the batch, so that a `sent` earlier in the batch counts, as it would one by one.
  const watermark = parseStatusTime(update.watermark as string).getTime();
  const candidates = byRecipient.get(recipientKey(update.channel_id, update.recipient_address as string)) ?? [];
  return candidates.filter((entry) => (entry.state.sent_at ?? entry.row.created_at).getTime() <= watermark);
}

/** Email addresses without case, a stored `Name <addr>` by its address; other addresses exactly. */
function sameAddress(channelType: string, stored: string, named: string): boolean {
  return channelType === 'email' ? bareEmail(stored) === bareEmail(named) : stored === named;
}

function bareEmail(address: string): string {
  const angled = /<([^<>]+)>\s*$/.exec(address);
  return (angled ? angled[1] : address).trim().toLowerCase();
}

function rowWrite(entry: WorkingRow): MessageRowWrite {
  const { state, changedFields } = entry;
  const write: MessageRowWrite = {
    id: entry.row.id,
    group_message_id: entry.row.group_message_id,
    before_status: entry.row.state.status,
    counters: [...entry.counters].sort(),
    events: entry.events,
  };
  if (changedFields.has('status')) write.status = state.status;
  if (changedFields.has('sent_at') && state.sent_at) write.sent_at = state.sent_at;
  if (changedFields.has('delivered_at') && state.delivered_at) write.delivered_at = state.delivered_at;
  if (changedFields.has('failed_at') && state.failed_at) write.failed_at = state.failed_at;
  if (changedFields.has('error_details') && state.error_details) write.error_details = state.error_details;
  const patch: NonNullable<MessageRowWrite['metadata_patch']> = {};
  if (changedFields.has('read_at') && state.read_at) patch.read_at = state.read_at;
  if (entry.statusEventsChanged) patch.status_events = entry.statusEvents;
  if (Object.keys(patch).length > 0) write.metadata_patch = patch;
  return write;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
