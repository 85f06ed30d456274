/**
 * The providers' side of each signature check: what a provider does to a call before it reaches
 * us, for test traffic (`npm run simulate`, specs). A separate entry point,
 * `@inbound/adapters/test-signers`: production code imports `@inbound/adapters` only and never
 * signs provider calls. Amazon SES has no signer here: SNS signatures are checked against a
 * certificate fetched from an AWS host, which a local run cannot serve (see ses/testing for the
 * in-process certificate the adapter specs use). Unipile is registered through its API: its local
 * stand-in (list, create, delete, and delivering calls the way Unipile does) is here too.
 */
export { signBridgeCall } from './bridge/bridge.test-signer';
export { signMessengerCall } from './messenger/messenger.test-signer';
export { mailgunSignatureBlock, type MailgunSignatureBlock } from './mailgun/mailgun.test-signer';
export { signPostmarkCall } from './postmark/postmark.test-signer';
export { signResendCall } from './resend/resend.test-signer';
export { createSendGridTestKeys, signSendGridCall, type SendGridTestKeys } from './sendgrid/sendgrid.test-signer';
export { metaSignatureHeaders } from './shared/meta.test-signer';
export { signTwilioFormCall } from './sms/sms.test-signer';
export { signTelegramCall } from './telegram/telegram.test-signer';
export { signUnipileCall } from './unipile/unipile.test-signer';
export {
  FakeUnipileApi,
  UNIPILE_INVALID_CREDENTIALS,
  type FakeUnipileAccount,
  type FakeUnipileAnswer,
  type FakeUnipileCall,
  type FakeUnipileWebhook,
} from './unipile/testing/fake-unipile-api';
export { signWhatsAppCall } from './whatsapp/whatsapp.test-signer';
