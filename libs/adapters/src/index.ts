export * from './shared/adapter.types';
export * from './shared/event-id';
export * from './shared/constant-time';
export * from './shared/http-status-error';
export * from './shared/credential-rules';
export * from './shared/provider-definition';
export * from './shared/provider-http';
export * from './registry';
export * from './telegram/telegram.adapter';
export * from './whatsapp/whatsapp.adapter';
export * from './messenger/messenger.adapter';
export * from './sms/sms.adapter';
export * from './resend/resend.adapter';
export * from './sendgrid/sendgrid.adapter';
export * from './ses/ses.adapter';
export * from './mailgun/mailgun.adapter';
export * from './postmark/postmark.adapter';
// Test support: a throw-away certificate to sign SNS messages with, for specs and benchmarks.
export { createSelfSignedCertificate, type TestCertificate } from './ses/testing/self-signed-certificate';
// Telegram's Bot API client and secret rules, for the channel maintenance commands (tools/channels).
export * from './telegram/telegram.bot-api';
export * from './telegram/telegram.webhook-secret';
