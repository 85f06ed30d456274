import type { ChannelCredentials, VerifyResult, WebhookRequest } from '../shared/adapter.types';
import { verifyHubSignature } from '../shared/hub-signature';
import { isJsonObject } from '../shared/json-reader';

/** https://developers.facebook.com/docs/messenger-platform/webhooks#validate-payloads */
export function verifyMessengerSignature(request: WebhookRequest, credentials: ChannelCredentials): VerifyResult {
  return verifyHubSignature(request, isJsonObject(credentials) ? credentials['app_secret'] : undefined);
}
