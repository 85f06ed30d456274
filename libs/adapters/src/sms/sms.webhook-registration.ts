import type { Credentials } from '../shared/credential-rules';
import type { ProviderApiAccess, RegistrationOutcome, WebhookState } from '../shared/provider-definition';
import { TwilioApi } from './sms.twilio-api';

// The gateway points a Twilio number's (or Messaging Service's) incoming-message URL at the channel when the
// channel names one. Reads before it writes: a URL already ours is left alone, and only a URL still ours is cleared.

/** The optional credentials naming what the gateway points at the channel's URL; a channel names at most one. */
export const TWILIO_WEBHOOK_TARGET_KEYS = ['phone_number_sid', 'messaging_service_sid'] as const;

/** What a registration was made with: a change to any of them makes its outcome stale. */
export const TWILIO_REGISTRATION_KEYS = ['account_sid', 'auth_token', ...TWILIO_WEBHOOK_TARGET_KEYS] as const;

export type TwilioWebhookTarget = { kind: 'phone_number'; sid: string } | { kind: 'messaging_service'; sid: string };

export function twilioWebhookTarget(credentials: Credentials): TwilioWebhookTarget | undefined {
  const { phone_number_sid: number, messaging_service_sid: service } = credentials;
  if (typeof number === 'string' && number !== '') return { kind: 'phone_number', sid: number };
  if (typeof service === 'string' && service !== '') return { kind: 'messaging_service', sid: service };
  return undefined;
}

export const usesTwilioApi = (credentials: Credentials): boolean => twilioWebhookTarget(credentials) !== undefined;

/**
 * Another account, number or service: what the old registration pointed at us is cleared first. A new auth token
 * for the same number is not a new registration (the change registers again in place): clearing the number in
 * between would leave a moment in which its messages reach no one.
 */
export function twilioWebhookTargetChanged(before: Credentials, after: Credentials): boolean {
  return before.account_sid !== after.account_sid || TWILIO_WEBHOOK_TARGET_KEYS.some((key) => before[key] !== after[key]);
}

function twilioApi(api: ProviderApiAccess, credentials: Credentials): TwilioApi {
  return new TwilioApi(api, String(credentials.account_sid), String(credentials.auth_token));
}

const failed = (url: string, error: string): WebhookState => ({ status: 'failed', url, error, failed_at: new Date().toISOString() });

/** Twilio has no account-wide status callback: each message names its own when it is sent. */
function registered(url: string, target: TwilioWebhookTarget, caveat?: string): WebhookState {
  const where = target.kind === 'phone_number' ? `messages to the number ${target.sid}` : `messages to the Messaging Service ${target.sid}`;
  const note =
    `Twilio POSTs ${where} to this URL. Delivery statuses are set per message, not here: ` +
    `send each message with StatusCallback set to status_callback_url.` +
    (caveat ? ` ${caveat}` : '');
  return { status: 'registered', url, registered_at: new Date().toISOString(), status_callback_url: url, note };
}

export async function registerTwilioWebhook(api: ProviderApiAccess, url: string, credentials: Credentials): Promise<RegistrationOutcome> {
  const target = twilioWebhookTarget(credentials);
  if (!target) throw new Error('a Twilio webhook is registered only for a channel naming phone_number_sid or messaging_service_sid');
  const twilio = twilioApi(api, credentials);

  if (target.kind === 'phone_number') {
    const number = await twilio.fetchIncomingPhoneNumber(target.sid);
    if (!number.ok) return { webhook: failed(url, number.error) };
    // Twilio ignores sms_url while a TwiML App takes the number's messages: setting it would register nothing.
    if (number.resource.sms_application_sid) {
      return {
        webhook: failed(
          url,
          `the number's messages go to the TwiML App ${number.resource.sms_application_sid} (sms_application_sid), which overrides its incoming-message URL: remove the app from the number, then register again`,
        ),
      };
    }
    if (number.resource.sms_url !== url || number.resource.sms_method !== 'POST') {
      const updated = await twilio.updateIncomingPhoneNumber(target.sid, { SmsUrl: url, SmsMethod: 'POST' });
      if (!updated.ok) return { webhook: failed(url, updated.error) };
    }
    return { webhook: registered(url, target) };
  }

  const service = await twilio.fetchMessagingService(target.sid);
  if (!service.ok) return { webhook: failed(url, service.error) };
  if (service.resource.inbound_request_url !== url || service.resource.inbound_method !== 'POST') {
    const updated = await twilio.updateMessagingService(target.sid, { InboundRequestUrl: url, InboundMethod: 'POST' });
    if (!updated.ok) return { webhook: failed(url, updated.error) };
  }
  const caveat = service.resource.use_inbound_webhook_on_number
    ? 'The service has use_inbound_webhook_on_number set: a number of the service with an incoming-message URL of its own keeps receiving there.'
    : undefined;
  return { webhook: registered(url, target, caveat) };
}

/** Clears the incoming-message URL, but only while it is still this channel's (someone may have pointed it elsewhere since). */
export async function unregisterTwilioWebhook(
  api: ProviderApiAccess,
  credentials: Credentials,
  url: string,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const target = twilioWebhookTarget(credentials);
  if (!target) return { ok: true };
  const twilio = twilioApi(api, credentials);
  if (target.kind === 'phone_number') {
    const number = await twilio.fetchIncomingPhoneNumber(target.sid);
    if (!number.ok) return { ok: false, error: number.error };
    if (number.resource.sms_url !== url) return { ok: true };
    const cleared = await twilio.updateIncomingPhoneNumber(target.sid, { SmsUrl: '' });
    return cleared.ok ? { ok: true } : { ok: false, error: cleared.error };
  }
  const service = await twilio.fetchMessagingService(target.sid);
  if (!service.ok) return { ok: false, error: service.error };
  if (service.resource.inbound_request_url !== url) return { ok: true };
  const cleared = await twilio.updateMessagingService(target.sid, { InboundRequestUrl: '' });
  return cleared.ok ? { ok: true } : { ok: false, error: cleared.error };
}
