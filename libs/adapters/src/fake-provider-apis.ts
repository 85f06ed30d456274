/**
 * Local stand-ins for the providers' registration APIs (real HTTP on 127.0.0.1), for tests that
 * run the gateway against them. A separate entry point, `@inbound/adapters/fake-provider-apis`:
 * production code imports `@inbound/adapters` only. Each fake lives in its provider's folder.
 */
export type { FakeApiCall } from './shared/testing/fake-provider-api';
export { FakeMailgunApi } from './mailgun/testing/fake-mailgun-api';
export { FakePostmarkApi, type FakePostmarkWebhook } from './postmark/testing/fake-postmark-api';
export { FakeResendApi, type FakeResendWebhook } from './resend/testing/fake-resend-api';
export { FakeSendGridApi, type FakeSendGridWebhook } from './sendgrid/testing/fake-sendgrid-api';
