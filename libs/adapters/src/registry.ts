import type { ChannelType } from '@inbound/messaging';
import type { AdapterDependencies, ChannelCredentials, ProviderAdapter } from './shared/adapter.types';
import { createMessengerAdapter } from './messenger/messenger.adapter';
import { createSmsAdapter } from './sms/sms.adapter';
import { createTelegramAdapter } from './telegram/telegram.adapter';
import { createWhatsAppAdapter } from './whatsapp/whatsapp.adapter';
import { createMailgunAdapter } from './mailgun/mailgun.adapter';
import { createPostmarkAdapter } from './postmark/postmark.adapter';
import { createResendAdapter } from './resend/resend.adapter';
import { createSendGridAdapter } from './sendgrid/sendgrid.adapter';
import { createSesAdapter } from './ses/ses.adapter';

/** Builds one provider's adapter from the injected dependencies. */
export type AdapterFactory = (deps: AdapterDependencies) => ProviderAdapter;

/**
 * Chat channel types map to one adapter each; the email channel type maps to one adapter per
 * email provider, chosen by `credentials.provider`. Adding a provider is adding its folder
 * and one line here.
 */
const CHAT_ADAPTERS: Partial<Record<Exclude<ChannelType, 'email'>, AdapterFactory>> = {
  telegram: createTelegramAdapter,
  whatsapp: createWhatsAppAdapter,
  messenger: createMessengerAdapter,
  sms: createSmsAdapter,
};

const EMAIL_ADAPTERS: Record<string, AdapterFactory> = {
  resend: createResendAdapter,
  sendgrid: createSendGridAdapter,
  ses: createSesAdapter,
  mailgun: createMailgunAdapter,
  postmark: createPostmarkAdapter,
};

export class AdapterRegistry {
  private readonly cache = new Map<string, ProviderAdapter>();

  constructor(private readonly deps: AdapterDependencies) {}

  /** The adapter for a channel, or undefined when its type or email provider has none. */
  resolve(channelType: ChannelType, credentials: ChannelCredentials): ProviderAdapter | undefined {
    const key = channelType === 'email' ? `email:${String(credentials.provider ?? '')}` : channelType;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const factory =
      channelType === 'email'
        ? Object.prototype.hasOwnProperty.call(EMAIL_ADAPTERS, String(credentials.provider))
          ? EMAIL_ADAPTERS[String(credentials.provider)]
          : undefined
        : CHAT_ADAPTERS[channelType];
    if (!factory) return undefined;
    const adapter = factory(this.deps);
    this.cache.set(key, adapter);
    return adapter;
  }

  static supportedEmailProviders(): string[] {
    return Object.keys(EMAIL_ADAPTERS);
  }
}
