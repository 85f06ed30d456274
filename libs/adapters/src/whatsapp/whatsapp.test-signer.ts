import { metaSignatureHeaders } from '../shared/meta.test-signer';

/** WhatsApp's side of the check (test traffic only): the Meta app secret signs the raw body. */
export function signWhatsAppCall(appSecret: string, body: string | Buffer): Record<string, string> {
  return metaSignatureHeaders(appSecret, body);
}
