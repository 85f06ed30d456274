import { Inject, Injectable } from '@nestjs/common';
import {
  providerDefinitionFor,
  type ApiWebhookSetup,
  type ChannelCredentials,
  type JsonPost,
  type ProviderDefinition,
} from '@inbound/adapters';
import type { ChannelWebhookState } from '@inbound/domain';
import type { ChannelType } from '@inbound/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

/** The HTTP POST provider registrations are made with (channels.module.ts). */
export const PROVIDER_JSON_POST = Symbol('PROVIDER_JSON_POST');

/** A registration through the provider's API, or what a person pastes into its console. */
@Injectable()
export class WebhookSetup {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PROVIDER_JSON_POST) private readonly postJson: JsonPost,
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

  register(setup: ApiWebhookSetup, type: ChannelType, id: string, credentials: ChannelCredentials): Promise<ChannelWebhookState> {
    return setup.register(this.api(setup), this.webhookUrl(type, id), credentials);
  }

  /** Stops a provider from calling us (deactivation, or a registration replaced). */
  unregister(setup: ApiWebhookSetup, credentials: ChannelCredentials): Promise<{ ok: true } | { ok: false; error: string }> {
    return setup.unregister(this.api(setup), credentials);
  }

  private api(setup: ApiWebhookSetup) {
    return { baseUrl: this.config.providerApiBaseUrls[setup.api.baseUrlVariable] ?? setup.api.defaultBaseUrl, postJson: this.postJson };
  }
}
