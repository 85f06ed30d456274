import { storableJson, storableNullableText, storableText } from '@inbound/domain';
import { outboundEventId, type InboundMessageEvent, type MessageReceivedData, type OutboundEventEnvelope } from '@inbound/contracts';
import { randomUUID } from 'node:crypto';

/** One `messages` row to insert for an inbound event (docs/CONTRACTS.md, "Database"). */
export interface InboundMessageRow {
  /** Chosen here so the `message.received` envelope can name the row before it exists. */
  id: string;
  account_id: string;
  channel_id: string;
  contact_id: string | null;
  /** The sender's address. */
  delivery_address: string;
  message_body: string | null;
  /** JSON text of `metadata_`. */
  metadata_: string;
  /** The provider's time of the message (ISO-8601). */
  delivered_at: string;
  /** The unique key within the channel; also inside metadata_. */
  provider_message_id: string;
  /** JSON text of the `message.received` envelope, written to the outbox only when this row is new. */
  received_event: string;
}

/** Our fields go over the provider's extras in metadata_, so an extra can never change the unique key. */
export function inboundMessageRow(event: InboundMessageEvent, contactId: string | null): InboundMessageRow {
  const metadata = {
    ...event.metadata,
    provider_message_id: event.provider_message_id,
    event_id: event.event_id,
    received_at: event.received_at,
    sender_name: event.sender_name,
    media_url: event.media_url,
    media_type: event.media_type,
  };
  const id = randomUUID();
  const delivery_address = storableText(event.sender_address);
  const message_body = storableNullableText(event.message_body);
  const provider_message_id = storableText(event.provider_message_id);
  const data: MessageReceivedData = {
    message_id: id,
    channel_id: event.channel_id,
    channel_type: event.channel_type,
    provider_message_id,
    sender_address: delivery_address,
    sender_name: storableNullableText(event.sender_name),
    message_body,
    media_url: storableNullableText(event.media_url),
    media_type: storableNullableText(event.media_type),
    contact_id: contactId,
    received_at: event.timestamp,
  };
  const envelope: OutboundEventEnvelope<MessageReceivedData> = {
    id: outboundEventId(id, 'message.received'),
    type: 'message.received',
    created_at: new Date().toISOString(),
    account_id: event.account_id,
    data,
  };
  return {
    id,
    account_id: event.account_id,
    channel_id: event.channel_id,
    contact_id: contactId,
    delivery_address,
    message_body,
    // JSON.stringify leaves out the optional fields the event does not have.
    metadata_: storableJson(metadata),
    delivered_at: event.timestamp,
    provider_message_id,
    received_event: storableJson(envelope),
  };
}

/** In key order so concurrent batches wait on keys alike and do not deadlock; stable, so the first version received wins. */
export function inIndexOrder(rows: readonly InboundMessageRow[]): InboundMessageRow[] {
  return [...rows].sort((a, b) =>
    a.channel_id === b.channel_id ? compare(a.provider_message_id, b.provider_message_id) : compare(a.channel_id, b.channel_id),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
