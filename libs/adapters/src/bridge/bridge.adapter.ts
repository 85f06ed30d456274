import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseBridgeCall } from './bridge.parser';
import { verifyBridgeSignature } from './bridge.signature';

/** A self-hosted WhatsApp Web bridge: X-Webhook-Signature, one event per call (messages, outcomes, connection state). */
export function createBridgeAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return guardedAdapter({
    provider: 'bridge',
    verify: (request, credentials) => verifyBridgeSignature(request, credentials),
    parse: (request, channel, receivedAt) => parseBridgeCall(request, channel, receivedAt),
  });
}
