import { apiOrigin, type ProviderAnswer, type ProviderApiAccess, type ProviderRequest } from '../shared/provider-definition';

// The two Twilio resources a channel's incoming-message URL is set on, read and written with the account's
// Auth Token (HTTP Basic, form-encoded bodies):
//   IncomingPhoneNumber  https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
//   Messaging Service    https://www.twilio.com/docs/messaging/api/service-resource
// A refusal is a JSON body whose `message` explains it: https://www.twilio.com/docs/usage/twilios-response

export type TwilioResult<T> = { ok: true; resource: T } | { ok: false; error: string };

/** The IncomingPhoneNumber fields the registration reads. */
export interface TwilioIncomingPhoneNumber {
  sid: string;
  sms_url: string | null;
  sms_method: string | null;
  /** When set, Twilio sends the number's messages to that TwiML App and ignores `sms_url`. */
  sms_application_sid: string | null;
}

/** The Messaging Service fields the registration reads. */
export interface TwilioMessagingService {
  sid: string;
  inbound_request_url: string | null;
  inbound_method: string | null;
  /** When true, a number of the service with an incoming-message URL of its own keeps receiving there. */
  use_inbound_webhook_on_number: boolean;
}

/** What a registration writes to a number (PascalCase, as Twilio's form parameters are named). */
export interface IncomingPhoneNumberUpdate {
  SmsUrl: string;
  SmsMethod?: 'POST';
}

export interface MessagingServiceUpdate {
  InboundRequestUrl: string;
  InboundMethod?: 'POST';
}

/**
 * The origin of one of Twilio's product APIs: they live on their own host (`messaging.twilio.com/v1`) beside the
 * 2010 API's `api.twilio.com` (regional hosts `api.<edge>.<region>.twilio.com` likewise). Any other origin (a local
 * fake, a proxy) is taken to serve every product, whose paths do not overlap.
 */
export function twilioProductOrigin(apiOrigin: string, product: string): string {
  const url = new URL(apiOrigin);
  if (!/^api\.([a-z0-9-]+\.)*twilio\.com$/i.test(url.hostname)) return url.origin;
  url.hostname = `${product}.${url.hostname.slice('api.'.length)}`;
  return url.origin;
}

export class TwilioApi {
  constructor(
    private readonly api: ProviderApiAccess,
    private readonly accountSid: string,
    private readonly authToken: string,
  ) {}

  fetchIncomingPhoneNumber(sid: string): Promise<TwilioResult<TwilioIncomingPhoneNumber>> {
    return this.call({ method: 'GET', url: this.incomingPhoneNumberUrl(sid) });
  }

  updateIncomingPhoneNumber(sid: string, update: IncomingPhoneNumberUpdate): Promise<TwilioResult<TwilioIncomingPhoneNumber>> {
    return this.call({ method: 'POST', url: this.incomingPhoneNumberUrl(sid), form: { ...update } });
  }

  fetchMessagingService(sid: string): Promise<TwilioResult<TwilioMessagingService>> {
    return this.call({ method: 'GET', url: this.messagingServiceUrl(sid) });
  }

  updateMessagingService(sid: string, update: MessagingServiceUpdate): Promise<TwilioResult<TwilioMessagingService>> {
    return this.call({ method: 'POST', url: this.messagingServiceUrl(sid), form: { ...update } });
  }

  private incomingPhoneNumberUrl(sid: string): string {
    const origin = new URL(apiOrigin(this.api)).origin;
    return `${origin}/2010-04-01/Accounts/${encodeURIComponent(this.accountSid)}/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`;
  }

  private messagingServiceUrl(sid: string): string {
    return `${twilioProductOrigin(apiOrigin(this.api), 'messaging')}/v1/Services/${encodeURIComponent(sid)}`;
  }

  private async call<T>(request: ProviderRequest): Promise<TwilioResult<T>> {
    const basic = Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64');
    let answer: ProviderAnswer;
    try {
      answer = await this.api.http({ ...request, headers: { authorization: `Basic ${basic}` } });
    } catch (error) {
      return { ok: false, error: `Twilio could not be reached: ${(error as Error)?.message ?? 'unknown error'}` };
    }
    const data = answer.data as { message?: unknown } | null;
    if (answer.status >= 200 && answer.status < 300 && data !== null && typeof data === 'object') {
      return { ok: true, resource: data as T };
    }
    const message = data !== null && typeof data === 'object' && typeof data.message === 'string' ? data.message : '';
    return { ok: false, error: message !== '' ? message : `Twilio answered HTTP ${answer.status}` };
  }
}
