import { outboundEventId, type MessageStatusChangedData, type MessageStatusEventType } from '@inbound/contracts';
import type { GroupCounter, MessageStatusChanges } from '@inbound/domain';

/**
 * One outbound event a status change caused: what only the batch knows. The envelope around it (the row's ids,
 * address, read time and error as the batch leaves the row) is assembled by the write statement from the row it
 * updated, so the worker neither builds nor serialises it (status-batch.sql.ts, `writeBatchStatement`).
 */
export interface StatusEventRecord {
  /** Depends on the message and the type only, so a replayed batch writes the same outbox row. */
  id: string;
  type: MessageStatusEventType;
  status: MessageStatusChangedData['status'];
  previous_status: string;
  /** The provider's time of the update, ISO-8601. */
  occurred_at: string;
  channel_type: string;
}

const COUNTER_EVENTS: Record<GroupCounter, MessageStatusEventType> = {
  delivered_count: 'message.delivered',
  read_count: 'message.read',
  failed_count: 'message.failed',
};

/**
 * The events one applied change reports. Delivered, read and failed follow the counters, which move exactly once per
 * message; sent is the one step to `sent`, which the forward-only lifecycle allows once.
 */
export function statusEventTypes(changes: MessageStatusChanges, counters: readonly GroupCounter[]): MessageStatusEventType[] {
  const types: MessageStatusEventType[] = changes.status === 'sent' ? ['message.sent'] : [];
  for (const counter of ['delivered_count', 'read_count', 'failed_count'] as const) {
    if (counters.includes(counter)) types.push(COUNTER_EVENTS[counter]);
  }
  return types;
}

const WORD: Record<MessageStatusEventType, MessageStatusChangedData['status']> = {
  'message.sent': 'sent',
  'message.delivered': 'delivered',
  'message.read': 'read',
  'message.failed': 'failed',
};

export function statusEventRecord(
  messageId: string,
  type: MessageStatusEventType,
  previousStatus: string,
  occurredAt: string,
  channelType: string,
): StatusEventRecord {
  return {
    id: outboundEventId(messageId, type),
    type,
    status: WORD[type],
    previous_status: previousStatus,
    occurred_at: occurredAt,
    channel_type: channelType,
  };
}
