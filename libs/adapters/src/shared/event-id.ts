import { nameBasedUuid } from '@inbound/contracts';

/**
 * Deterministic event id over the channel and the provider's own identification of the event,
 * so a provider's retry of the same call yields the same id and can be recognised downstream.
 */
export function deterministicEventId(channelId: string, ...parts: Array<string | number>): string {
  return nameBasedUuid(channelId, ...parts);
}
