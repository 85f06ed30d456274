import type { AdapterDependencies, ProviderAdapter } from '../shared/adapter.types';
import { guardedAdapter } from '../shared/guarded-adapter';
import { parseTwilioWebhook } from './sms.parser';
import { verifyTwilioSignature } from './sms.signature';

/** Twilio Programmable Messaging webhooks: X-Twilio-Signature, one message or status per call. */
export function createSmsAdapter(_deps: AdapterDependencies): ProviderAdapter {
  return guardedAdapter({
    provider: 'sms',
    verify: (request, credentials) => verifyTwilioSignature(request, credentials),
    parse: (request, channel, receivedAt) => parseTwilioWebhook(request, channel, receivedAt),
  });
}
