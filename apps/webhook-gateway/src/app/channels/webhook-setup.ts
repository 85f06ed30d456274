import { Inject, Injectable } from '@nestjs/common';
import { TelegramBotApi } from '@inbound/adapters';
import type { ChannelWebhookState } from '@inbound/domain';
import type { ChannelType } from '@inbound/messaging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import type { Credentials } from './channel-credentials';

/** Channel types whose webhook a person sets up in the provider's console. */
export type ManuallySetUpType = Exclude<ChannelType, 'telegram'>;

const EMAIL_SETUP: Record<string, { events: string[]; instructions: string }> = {
  resend: {
    events: ['email.sent', 'email.delivered', 'email.delivery_delayed', 'email.bounced', 'email.complained', 'email.opened', 'email.clicked'],
    instructions: 'In Resend, Webhooks → Add Endpoint: paste the URL, select the events, and keep the signing secret (whsec_…) in this channel.',
  },
  sendgrid: {
    events: ['processed', 'deferred', 'delivered', 'open', 'click', 'bounce', 'dropped', 'spamreport', 'unsubscribe'],
    instructions: 'In SendGrid, Mail Settings → Event Webhook: paste the URL as HTTP POST URL, select the events, enable Signed Event Webhook and store its public key as verification_key.',
  },
  ses: {
    events: ['Send', 'Delivery', 'Bounce', 'Complaint', 'Open', 'Click', 'DeliveryDelay', 'Reject'],
    instructions: 'In Amazon SES, add an SNS event destination to the configuration set with the events; in SNS, subscribe the URL to the topic with protocol HTTPS (the subscription is confirmed automatically) and store the topic ARN as topic_arn.',
  },
  mailgun: {
    events: ['delivered', 'permanent_fail', 'temporary_fail', 'opened', 'clicked', 'complained'],
    instructions: 'In Mailgun, Sending → Webhooks: add the URL for each event and store the HTTP webhook signing key as signing_key.',
  },
  postmark: {
    events: ['Delivery', 'Bounce', 'SpamComplaint', 'Open', 'Click', 'SubscriptionChange'],
    instructions: 'In Postmark, Servers → Message Streams → Webhooks: add the URL with basic auth set to the username and password stored in this channel, and enable the events.',
  },
};

/**
 * Registers a channel's webhook with its provider where the provider has an API for it
 * (Telegram), and otherwise returns what a person pastes into the provider's console.
 */
@Injectable()
export class WebhookSetup {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly telegram: TelegramBotApi,
  ) {}

  webhookUrl(type: ChannelType, id: string): string {
    return `${this.config.webhookBaseUrl}/webhooks/${type}/${id}`;
  }

  /**
   * Sets the Telegram webhook with the secret stored in the credentials. The secret is chosen
   * and stored before this call (telegram-webhook-secret.ts), so Telegram never holds one the
   * database does not.
   */
  async registerTelegram(id: string, credentials: Credentials): Promise<ChannelWebhookState> {
    const url = this.webhookUrl('telegram', id);
    const secret = credentials.webhook_secret;
    if (typeof secret !== 'string' || secret === '') throw new Error('a Telegram webhook is registered only with a stored webhook_secret');
    const answer = await this.telegram.setWebhook(String(credentials.bot_token), url, secret);
    return answer.ok
      ? { status: 'registered', url, registered_at: new Date().toISOString() }
      : { status: 'failed', url, error: answer.error, failed_at: new Date().toISOString() };
  }

  /** What a person pastes into the provider's console; no provider is called. */
  manualSetup(type: ManuallySetUpType, id: string, credentials: Credentials): ChannelWebhookState {
    const url = this.webhookUrl(type, id);
    switch (type) {
      case 'whatsapp':
        return {
          status: 'manual',
          url,
          verify_token: credentials.verify_token,
          subscribe_fields: ['messages'],
          instructions: 'In the Meta App Dashboard, WhatsApp → Configuration → Webhook: paste the callback URL and the verify token, then subscribe to the "messages" field.',
        };
      case 'messenger':
        return {
          status: 'manual',
          url,
          verify_token: credentials.verify_token,
          subscribe_fields: ['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads'],
          instructions: 'In the Meta App Dashboard, Messenger → Settings → Webhooks: paste the callback URL and the verify token, subscribe the page to the listed fields.',
        };
      case 'sms':
        return {
          status: 'manual',
          url,
          incoming_message_url: url,
          status_callback_url: url,
          http_method: 'POST',
          instructions:
            'In the Twilio Console, the phone number or Messaging Service: set "A message comes in" to the incoming message URL (HTTP POST), and send with StatusCallback set to the status callback URL. The URL must match exactly: Twilio signs it.',
        };
      case 'email': {
        const provider = String(credentials.provider);
        const setup = EMAIL_SETUP[provider];
        return { status: 'manual', url, provider, events: setup.events, instructions: setup.instructions };
      }
    }
  }

  /** Stops a provider from calling us (deactivation, or a bot token replaced). */
  async unregister(type: ChannelType, credentials: Credentials): Promise<{ ok: boolean; error?: string }> {
    if (type !== 'telegram') return { ok: true };
    const answer = await this.telegram.deleteWebhook(String(credentials.bot_token));
    return answer.ok ? { ok: true } : { ok: false, error: answer.error };
  }
}
