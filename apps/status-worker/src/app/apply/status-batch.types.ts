import type { GroupCounter, IgnoredReason, MessageStatusState } from '@inbound/domain';
import type { StatusEventRecord } from './status-events';

/** One status update as the applier sees it: the fields of a validated StatusUpdateEvent it reads. */
export interface StatusUpdate {
  event_id: string;
  channel_id: string;
  /** Decides how recipient addresses compare (email addresses ignore case). */
  channel_type: string;
  status: string;
  /** The provider's event time, ISO-8601. */
  timestamp: string;
  /** When the gateway accepted the webhook, ISO-8601. */
  received_at: string;
  error_code?: string;
  error_message?: string;
  /** The provider's own word (`metadata.provider_status` on the bus). */
  provider_status?: string;
  /** Names the message; when absent, recipient_address + watermark cover many. */
  provider_message_id?: string;
  /** With a provider id: picks that recipient's row among those sharing it. With a watermark: whose messages it covers. */
  recipient_address?: string;
  watermark?: string;
}

export function isWatermarkUpdate(update: StatusUpdate): boolean {
  return update.provider_message_id === undefined;
}

/** Kept in `metadata_.status_events.<kind>`; the details are those of the latest report. */
export interface InformationalRecord {
  first_at: string;
  last_at: string;
  error_code?: string;
  error_message?: string;
  provider_status?: string;
}

export type InformationalRecords = Record<string, InformationalRecord>;

export interface LockedMessage {
  id: string;
  account_id: string;
  channel_id: string;
  provider_message_id: string | null;
  group_message_id: string | null;
  delivery_address: string;
  created_at: Date;
  state: MessageStatusState;
  status_events: InformationalRecords;
}

/**
 * Why an update changed nothing: the domain's reasons, plus
 * - `no_messages_covered`: a watermark that covers no message it could still change;
 * - `informational_limit`: a new informational kind on a message that already records the most kinds we keep;
 * - `recipient_not_tracked`: the update names a recipient none of the id's rows is for.
 */
export type StatusIgnoredReason = IgnoredReason | 'no_messages_covered' | 'informational_limit' | 'recipient_not_tracked';

export type StatusUpdateResult =
  | { kind: 'applied' }
  | { kind: 'ignored'; reason: StatusIgnoredReason }
  /** No outbound message with this provider_message_id on this channel (yet). */
  | { kind: 'not_found' };

export interface MessageRowWrite {
  id: string;
  group_message_id: string | null;
  /** The status the row had when locked; the UPDATE is guarded by it. */
  before_status: string;
  status?: string;
  sent_at?: Date;
  delivered_at?: Date;
  failed_at?: Date;
  error_details?: MessageStatusState['error_details'];
  /** Merged into metadata_ (`read_at`, `status_events`). */
  metadata_patch?: { read_at?: string; status_events?: InformationalRecords };
  /** Counters this row moves, each at most once. */
  counters: GroupCounter[];
  /** Outbound events of this row's changes, written to the outbox only if the guarded UPDATE changes the row. */
  events: StatusEventRecord[];
}

export interface FoldedBatch {
  results: StatusUpdateResult[];
  writes: MessageRowWrite[];
}
