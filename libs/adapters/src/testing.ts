/**
 * Local fakes of the providers' registration APIs, each in its provider's folder, for specs outside this library
 * (the gateway's e2e specs). A separate entry point, `@inbound/adapters/testing`: production code imports
 * `@inbound/adapters` only.
 */
export {
  FakeGraphApi,
  type FakeGraphApiOptions,
  type FakeGraphCall,
  type FakeGraphHandshake,
  type FakeGraphSubscription,
} from './shared/testing/fake-graph-api';
export { FakeTwilioApi, type FakeIncomingPhoneNumber, type FakeMessagingService, type FakeTwilioCall } from './sms/testing/fake-twilio-api';
