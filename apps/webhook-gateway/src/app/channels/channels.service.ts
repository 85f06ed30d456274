import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Channel, CredentialsCipher, CredentialsDecryptionError } from '@inbound/domain';
import { isChannelType, type ChannelType } from '@inbound/messaging';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';
import { ChannelDirectory } from '../webhooks/channel-directory';
import { CredentialsError, prepareCredentials, type Credentials } from './channel-credentials';
import type { CreateChannelDto, UpdateChannelDto } from './channel.dto';
import { channelView, type ChannelView } from './channel-view';
import { WebhookSetup } from './webhook-setup';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(error: unknown): never {
  if (error instanceof CredentialsError) throw new BadRequestException({ error: 'invalid_request', field: error.field, message: error.message });
  throw error;
}

/**
 * Channel administration: create, read, update, and (re-)register the webhook with the
 * provider. Credentials are sealed before they touch the database and never leave it
 * through this service.
 */
@Injectable()
export class ChannelsService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cipher: CredentialsCipher,
    private readonly setup: WebhookSetup,
    private readonly directory: ChannelDirectory,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('ChannelsService');
  }

  private get repository() {
    return this.dataSource.getRepository(Channel);
  }

  async create(input: CreateChannelDto): Promise<ChannelView> {
    let credentials: Credentials;
    try {
      credentials = prepareCredentials(input.channel_type, input.credentials);
    } catch (error) {
      invalid(error);
    }
    const id = randomUUID();
    // Saved first so that a provider that calls back at once finds the channel.
    const channel = await this.repository.save(
      this.repository.create({
        id,
        account_id: input.account_id,
        channel_type: input.channel_type,
        name: input.name,
        credentials: this.cipher.seal(id, credentials),
        is_active: true,
        webhook: {},
      }),
    );
    const registered = await this.registerWith(channel, credentials);
    this.logger.info({ channel_id: id, channel_type: input.channel_type, webhook_status: registered.webhook.status }, 'channel created');
    return this.view(registered);
  }

  async get(id: string): Promise<ChannelView> {
    return this.view(await this.load(id));
  }

  async update(id: string, patch: UpdateChannelDto): Promise<ChannelView> {
    const channel = await this.load(id);
    const type = channel.channel_type as ChannelType;
    const before = this.openCredentials(channel);
    let credentials = before;
    if (patch.credentials) {
      // webhook_secret is the server's; a caller cannot set it (prepareCredentials refuses it).
      const { webhook_secret: secret, ...rest } = before;
      try {
        credentials = { ...prepareCredentials(type, { ...rest, ...patch.credentials }), ...(secret === undefined ? {} : { webhook_secret: secret }) };
      } catch (error) {
        invalid(error);
      }
    }
    this.logger.info({ channel_id: channel.id, changed: Object.keys(patch).filter((key) => key !== 'credentials').concat(patch.credentials ? Object.keys(patch.credentials).map((key) => `credentials.${key}`) : []) }, 'channel updated');
    const wasActive = channel.is_active;
    const isActive = patch.is_active ?? wasActive;
    const tokenChanged = type === 'telegram' && credentials.bot_token !== before.bot_token;
    const deactivatedTelegram = wasActive && !isActive && type === 'telegram';
    if (deactivatedTelegram) {
      // The secret dies with the registration; reactivating registers under a new one.
      const { webhook_secret: _dropped, ...withoutSecret } = credentials;
      credentials = withoutSecret;
      channel.webhook = { status: 'unregistered', url: this.setup.webhookUrl(type, channel.id), unregistered_at: new Date().toISOString() };
    }

    // Saved before any provider call, so a deactivation answers 404 at once.
    if (patch.name !== undefined) channel.name = patch.name;
    channel.is_active = isActive;
    channel.credentials = this.cipher.seal(channel.id, credentials);
    await this.repository.save(channel);
    this.directory.invalidate(channel.id);

    if (wasActive && (!isActive || tokenChanged)) {
      // The old registration must stop calling us: the bot is deactivated or replaced.
      const stopped = await this.setup.unregister(type, before);
      if (!stopped.ok) this.logger.warn({ channel_id: channel.id, error: stopped.error }, 'could not remove the old webhook');
    }
    if (isActive && (!wasActive || tokenChanged || patch.credentials)) {
      return this.view(await this.registerWith(channel, credentials));
    }
    return this.view(channel);
  }

  async registerWebhook(id: string): Promise<ChannelView['webhook']> {
    const channel = await this.load(id);
    if (!channel.is_active) throw new ConflictException({ error: 'channel_inactive', message: 'activate the channel before registering its webhook' });
    const credentials = this.openCredentials(channel);
    return this.view(await this.registerWith(channel, credentials)).webhook;
  }

  private async registerWith(channel: Channel, credentials: Credentials): Promise<Channel> {
    const type = channel.channel_type as ChannelType;
    const result = await this.setup.register(type, channel.id, credentials);
    channel.webhook = result.webhook;
    // The new Telegram secret is stored only now that Telegram accepted it.
    if (result.credentials !== credentials) channel.credentials = this.cipher.seal(channel.id, result.credentials);
    const saved = await this.repository.save(channel);
    this.directory.invalidate(channel.id);
    if (result.webhook.status === 'failed') this.logger.warn({ channel_id: channel.id, error: result.webhook.error }, 'webhook registration failed');
    return saved;
  }

  /** Stored credentials this gateway cannot open (another key, or plain in production) are the operator's to fix: 409, not 500. */
  private openCredentials(channel: Channel): Credentials {
    try {
      return this.cipher.open(channel.id, channel.credentials);
    } catch (error) {
      if (!(error instanceof CredentialsDecryptionError)) throw error;
      throw new ConflictException({
        error: 'credentials_unreadable',
        message: 'the stored credentials cannot be opened with the configured keys; run npm run credentials:reseal (or configure the key that sealed them)',
      });
    }
  }

  private async load(id: string): Promise<Channel> {
    const channel = UUID.test(id) ? await this.repository.findOne({ where: { id } }) : null;
    if (!channel || !isChannelType(channel.channel_type)) throw new NotFoundException({ error: 'not_found', message: 'no such channel' });
    return channel;
  }

  private view(channel: Channel): ChannelView {
    return channelView(channel, this.setup.webhookUrl(channel.channel_type as ChannelType, channel.id));
  }
}
