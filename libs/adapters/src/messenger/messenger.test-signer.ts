import { metaSignatureHeaders } from '../shared/meta.test-signer';

/** Messenger's side of the check (test traffic only): the Meta app secret signs the raw body. */
export function signMessengerCall(appSecret: string, body: string | Buffer): Record<string, string> {
  return metaSignatureHeaders(appSecret, body);
}
