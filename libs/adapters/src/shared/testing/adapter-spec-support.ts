/**
 * What the adapters' specs share (test-only; nothing in the library imports it): the channel
 * and receipt time every expected event is built from, and the check that every event a parse
 * makes passes the consumers' validation.
 */
import { InboundMessageEvent, isEventTime, StatusUpdateEvent, validateEvent, type ChannelType } from '@inbound/contracts';
import { prepareChannelCredentials } from '../../registry';
import type { ChannelContext, ParseResult } from '../adapter.types';
import { CredentialsError, type Credentials } from '../credential-rules';

export const SPEC_RECEIVED_AT = new Date('2025-01-01T00:00:05.000Z');

export function specChannel(channel_type: ChannelType): ChannelContext {
  return { id: '0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b', account_id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', channel_type };
}

export function commonEventFields(channel: ChannelContext) {
  return {
    channel_id: channel.id,
    account_id: channel.account_id,
    channel_type: channel.channel_type,
    received_at: SPEC_RECEIVED_AT.toISOString(),
  };
}

/** Every event a successful parse returns passes the consumers' validation; failures are typed. */
export function everyEventValid(result: ParseResult): boolean {
  if (!result.ok) return ['invalid_json', 'invalid_payload', 'unsupported_payload'].includes(result.error.kind);
  return (
    result.events.inbound.every((event) => validateEvent(InboundMessageEvent, JSON.parse(JSON.stringify(event))).ok) &&
    result.events.statuses.every((event) => validateEvent(StatusUpdateEvent, JSON.parse(JSON.stringify(event))).ok) &&
    (result.events.connections ?? []).every(
      (report) =>
        isEventTime(report.reported_at) &&
        typeof report.status === 'string' &&
        report.status.length > 0 &&
        typeof report.session_id === 'string' &&
        report.session_id.length > 0,
    )
  );
}

/** The field a credentials check names when it refuses these credentials, or undefined when it takes them. */
export function refusedCredentialField(channelType: ChannelType, input: Credentials): string | undefined {
  try {
    prepareChannelCredentials(channelType, input);
    return undefined;
  } catch (error) {
    if (error instanceof CredentialsError) return error.field;
    throw error;
  }
}
