import {
  outboundEventId,
  type MessageStatusChangedData,
  type MessageStatusEventType,
  type OutboundEventEnvelope,
} from '@inbound/contracts';
import type { GroupCounter, MessageStatusChanges, MessageStatusState } from '@inbound/domain';
import type { LockedMessage } from './status-batch.types';

/** One outbound event a status change caused, before the row's final state is known. */
export interface StatusEventDraft {
  type: MessageStatusEventType;
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

/** The envelopes of a row's events, with the row as the batch leaves it. Ids depend on the message and type only. */
export function statusEventEnvelopes(
  row: LockedMessage,
  state: MessageStatusState,
  drafts: readonly StatusEventDraft[],
  createdAt: string,
): Array<OutboundEventEnvelope<MessageStatusChangedData>> {
  return drafts.map((draft) => {
    const data: MessageStatusChangedData = {
      message_id: row.id,
      channel_id: row.channel_id,
      channel_type: draft.channel_type,
      provider_message_id: row.provider_message_id,
      group_message_id: row.group_message_id,
      delivery_address: row.delivery_address,
      status: WORD[draft.type],
      previous_status: draft.previous_status,
      occurred_at: draft.occurred_at,
    };
    if (draft.type === 'message.read' && state.read_at) data.read_at = state.read_at;
    if (draft.type === 'message.failed') {
      data.error = state.error_details ?? { code: null, message: null, provider_status: null };
    }
    return { id: outboundEventId(row.id, draft.type), type: draft.type, created_at: createdAt, account_id: row.account_id, data };
  });
}
