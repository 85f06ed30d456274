/**
 * Local stand-ins for the providers' registration APIs (real HTTP on 127.0.0.1), for specs outside this library that
 * run the gateway against them. A separate entry point, `@inbound/adapters/testing`: production code imports
 * `@inbound/adapters` only. Each fake lives in its provider's folder.
 */
export {
  FakeGraphApi,
  type FakeGraphApiOptions,
  type FakeGraphCall,
  type FakeGraphHandshake,
  type FakeGraphSubscription,
} from './shared/testing/fake-graph-api';
export { FakeTwilioApi, type FakeIncomingPhoneNumber, type FakeMessagingService, type FakeTwilioCall } from './sms/testing/fake-twilio-api';
export type { FakeApiCall } from './shared/testing/fake-provider-api';
export { FakeMailgunApi } from './mailgun/testing/fake-mailgun-api';
export { FakePostmarkApi, type FakePostmarkWebhook } from './postmark/testing/fake-postmark-api';
export { FakeResendApi, type FakeResendWebhook } from './resend/testing/fake-resend-api';
export { FakeSendGridApi, type FakeSendGridWebhook } from './sendgrid/testing/fake-sendgrid-api';
export {
  FakeUnipileApi,
  UNIPILE_INVALID_CREDENTIALS,
  type FakeUnipileAccount,
  type FakeUnipileAnswer,
  type FakeUnipileCall,
  type FakeUnipileWebhook,
} from './unipile/testing/fake-unipile-api';
