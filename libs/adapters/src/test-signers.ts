/**
 * The providers' side of each signature check: what a provider does to a call before it reaches
 * us, for test traffic (`npm run simulate`, specs). A separate entry point,
 * `@inbound/adapters/test-signers`: production code imports `@inbound/adapters` only and never
 * signs provider calls. SNS (Amazon SES) signs with a certificate's key: specs make a throw-away
 * certificate, and local traffic uses one the gateway trusts in development only
 * (SNS_DEV_CERTIFICATE_FILE, ses/ses.development-certificate.ts).
 */
export { signBridgeCall } from './bridge/bridge.test-signer';
export { signMessengerCall } from './messenger/messenger.test-signer';
export { mailgunSignatureBlock, type MailgunSignatureBlock } from './mailgun/mailgun.test-signer';
export { signPostmarkCall } from './postmark/postmark.test-signer';
export { signResendCall } from './resend/resend.test-signer';
export { createSendGridTestKeys, signSendGridCall, type SendGridTestKeys } from './sendgrid/sendgrid.test-signer';
export { SNS_DEV_CERTIFICATE_URL } from './ses/ses.development-certificate';
export { signSnsMessage, type SnsMessage } from './ses/ses.test-signer';
export { createSelfSignedCertificate, type TestCertificate } from './ses/testing/self-signed-certificate';
export { metaSignatureHeaders } from './shared/meta.test-signer';
export { signTwilioFormCall } from './sms/sms.test-signer';
export { signTelegramCall } from './telegram/telegram.test-signer';
export { signUnipileCall } from './unipile/unipile.test-signer';
export { signWhatsAppCall } from './whatsapp/whatsapp.test-signer';
