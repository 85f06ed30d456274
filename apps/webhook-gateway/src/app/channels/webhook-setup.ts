import { Inject, Injectable } from '@nestjs/common';
import {
  providerDefinitionFor,
  webhookSetupFor,
  type ApiWebhookSetup,
  type ChannelCredentials,
  type ManualWebhookSetup,
  type ProviderDefinition,
  type ProviderHttp,
  type RegistrationOutcome,
} from '@inbound/adapters';
import type { ChannelType } from '@inbound/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

/** The HTTP client provider registrations are made with (channels.module.ts). */
export const PROVIDER_HTTP = Symbol('PROVIDER_HTTP');

/** A registration through the provider's API, or what a person pastes into its console. */
@Injectable()
export class WebhookSetup {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PROVIDER_HTTP) private readonly http: ProviderHttp,
  ) {}

  webhookUrl(type: ChannelType, id: string): string {
    return `${this.config.webhookBaseUrl}/webhooks/${type}/${id}`;
  }

  findDefinition(type: ChannelType, credentials: ChannelCredentials): ProviderDefinition | undefined {
    return providerDefinitionFor(type, credentials);
  }

  /** The channel's provider; credentials are checked when stored, so a channel has one. */
  definition(type: ChannelType, credentials: ChannelCredentials): ProviderDefinition {
    const definition = this.findDefinition(type, credentials);
    if (!definition) throw new Error(`no provider is registered for this ${type} channel`);
    return definition;
  }

  /** How this channel's webhook is set up: by the API when its credentials allow, by hand otherwise. */
  setupOf(type: ChannelType, credentials: ChannelCredentials): ManualWebhookSetup | ApiWebhookSetup {
    return webhookSetupFor(this.definition(type, credentials).webhook, credentials);
  }

  register(setup: ApiWebhookSetup, type: ChannelType, id: string, credentials: ChannelCredentials): Promise<RegistrationOutcome> {
    return setup.register(this.api(setup), this.webhookUrl(type, id), credentials);
  }

  /** Stops a provider from calling us (deactivation, or a registration replaced). */
  unregister(
    setup: ApiWebhookSetup,
    type: ChannelType,
    id: string,
    credentials: ChannelCredentials,
  ): Promise<{ ok: true } | { ok: false; error: string }> {
    return setup.unregister(this.api(setup), credentials, this.webhookUrl(type, id));
  }

  private api(setup: ApiWebhookSetup) {
    return { baseUrl: this.config.providerApiBaseUrls[setup.api.baseUrlVariable] ?? setup.api.defaultBaseUrl, http: this.http };
  }
}
