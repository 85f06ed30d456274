import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Channel, CredentialsCipher, CredentialsDecryptionError, type ChannelWebhookState } from '@inbound/domain';
import { isChannelType, type ChannelType } from '@inbound/messaging';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';
import { ChannelDirectory } from '../webhooks/channel-directory';
import { CredentialsError, mergeCredentials, prepareCredentials, type Credentials } from './channel-credentials';
import type { CreateChannelDto, UpdateChannelDto } from './channel.dto';
import { channelView, type ChannelView } from './channel-view';
import { telegramRegistrationCredentials, withoutExpiredPreviousSecret, withoutTelegramSecrets } from './telegram-webhook-secret';
import { WebhookSetup } from './webhook-setup';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(error: unknown): never {
  if (error instanceof CredentialsError) throw new BadRequestException({ error: 'invalid_request', field: error.field, message: error.message });
  throw error;
}

function notFound(): never {
  throw new NotFoundException({ error: 'not_found', message: 'no such channel' });
}

/** What a change decided under the row lock leaves to do once the lock is released. */
interface CommittedChange {
  channel: Channel;
  /** The credentials Telegram is to be given (its secret already stored); absent when Telegram is not told. */
  registerWith?: Credentials;
  /** The credentials of a Telegram bot whose webhook must stop calling us (deactivated or replaced). */
  unregisterWith?: Credentials;
}

/**
 * Channel administration: create, read, update, and (re-)register the webhook with the
 * provider. Credentials are sealed before they touch the database and never leave it
 * through this service.
 *
 * Every read-modify-write of a channel runs in a transaction holding the row lock, so
 * concurrent changes apply one after the other instead of overwriting each other. Calls to
 * Telegram are made after the commit, never under the lock; what they change is decided and
 * stored first (the webhook secret), and only their outcome (the webhook state) is stored after.
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
    const type = input.channel_type;
    let credentials: Credentials;
    try {
      credentials = prepareCredentials(type, input.credentials);
    } catch (error) {
      invalid(error);
    }
    const id = randomUUID();
    if (type === 'telegram') credentials = telegramRegistrationCredentials(credentials, false, new Date());
    // Saved first: a provider that calls back at once finds the channel, and Telegram is told
    // only a secret that is already stored.
    const channel = await this.repository.save(
      this.repository.create({
        id,
        account_id: input.account_id,
        channel_type: type,
        name: input.name,
        credentials: this.cipher.seal(id, credentials),
        is_active: true,
        webhook: type === 'telegram' ? {} : this.setup.manualSetup(type, id, credentials),
      }),
    );
    this.directory.invalidate(id);
    const registered = type === 'telegram' ? await this.registerTelegram(id, credentials) : channel;
    this.logger.info({ channel_id: id, channel_type: type, webhook_status: registered.webhook.status }, 'channel created');
    return this.view(registered);
  }

  async get(id: string): Promise<ChannelView> {
    return this.view(await this.load(id));
  }

  async update(id: string, patch: UpdateChannelDto): Promise<ChannelView> {
    const now = new Date();
    const change = await this.dataSource.transaction(async (manager): Promise<CommittedChange> => {
      const channel = await this.lockedChannel(manager, id);
      const type = channel.channel_type as ChannelType;
      const before = this.openCredentials(channel);
      let credentials = before;
      if (patch.credentials) {
        try {
          // The webhook secrets are the server's: a caller cannot set them, a merge keeps them.
          credentials = mergeCredentials(type, before, patch.credentials);
        } catch (error) {
          invalid(error);
        }
      }
      const wasActive = channel.is_active;
      const isActive = patch.is_active ?? wasActive;
      const tokenChanged = type === 'telegram' && credentials.bot_token !== before.bot_token;
      const registers = isActive && (!wasActive || tokenChanged || patch.credentials !== undefined);
      let registerWith: Credentials | undefined;
      if (type === 'telegram') {
        credentials = withoutExpiredPreviousSecret(credentials, now);
        if (wasActive && !isActive) {
          // The secrets die with the registration; reactivating registers under a new one.
          credentials = withoutTelegramSecrets(credentials);
          channel.webhook = { status: 'unregistered', url: this.setup.webhookUrl(type, channel.id), unregistered_at: now.toISOString() };
        } else if (registers) {
          credentials = telegramRegistrationCredentials(credentials, tokenChanged, now);
          registerWith = credentials;
        }
      } else if (registers) {
        channel.webhook = this.setup.manualSetup(type, channel.id, credentials);
      }
      if (patch.name !== undefined) channel.name = patch.name;
      channel.is_active = isActive;
      channel.credentials = this.cipher.seal(channel.id, credentials);
      // Committed before any provider call, so a deactivation answers 404 at once.
      const saved = await manager.save(channel);
      const unregisterWith = type === 'telegram' && wasActive && (!isActive || tokenChanged) ? before : undefined;
      return { channel: saved, registerWith, unregisterWith };
    });
    this.directory.invalidate(change.channel.id);
    const changed = Object.keys(patch)
      .filter((key) => key !== 'credentials')
      .concat(patch.credentials ? Object.keys(patch.credentials).map((key) => `credentials.${key}`) : []);
    this.logger.info({ channel_id: change.channel.id, changed }, 'channel updated');

    if (change.unregisterWith) {
      // The old registration must stop calling us: the bot is deactivated or replaced.
      const stopped = await this.setup.unregister('telegram', change.unregisterWith);
      if (!stopped.ok) this.logger.warn({ channel_id: change.channel.id, error: stopped.error }, 'could not remove the old webhook');
    }
    if (change.registerWith) return this.view(await this.registerTelegram(change.channel.id, change.registerWith));
    return this.view(change.channel);
  }

  async registerWebhook(id: string): Promise<ChannelView['webhook']> {
    const now = new Date();
    const change = await this.dataSource.transaction(async (manager): Promise<CommittedChange> => {
      const channel = await this.lockedChannel(manager, id);
      if (!channel.is_active) throw new ConflictException({ error: 'channel_inactive', message: 'activate the channel before registering its webhook' });
      const type = channel.channel_type as ChannelType;
      const stored = this.openCredentials(channel);
      if (type !== 'telegram') {
        channel.webhook = this.setup.manualSetup(type, channel.id, stored);
        return { channel: await manager.save(channel) };
      }
      // A retry tells Telegram the stored secret again; one is made only where none is stored.
      const credentials = telegramRegistrationCredentials(withoutExpiredPreviousSecret(stored, now), false, now);
      if (credentials === stored) return { channel, registerWith: credentials };
      channel.credentials = this.cipher.seal(channel.id, credentials);
      return { channel: await manager.save(channel), registerWith: credentials };
    });
    this.directory.invalidate(change.channel.id);
    if (change.registerWith) return this.view(await this.registerTelegram(change.channel.id, change.registerWith)).webhook;
    return this.view(change.channel).webhook;
  }

  /** Calls setWebhook (no lock held) and stores its outcome. */
  private async registerTelegram(channelId: string, credentials: Credentials): Promise<Channel> {
    const webhook = await this.setup.registerTelegram(channelId, credentials);
    if (webhook.status === 'failed') this.logger.warn({ channel_id: channelId, error: webhook.error }, 'webhook registration failed');
    return this.storeWebhookState(channelId, credentials, webhook);
  }

  /**
   * Stores a registration's outcome, unless a change committed meanwhile made it stale (another
   * bot token or secret, or a deactivation): that change records its own outcome. Only the
   * webhook state is written; the credentials stay as the latest change left them.
   */
  private storeWebhookState(channelId: string, registeredWith: Credentials, webhook: ChannelWebhookState): Promise<Channel> {
    return this.dataSource.transaction(async (manager) => {
      const channel = await this.lockedChannel(manager, channelId);
      const stored = this.openCredentials(channel);
      const stillCurrent = channel.is_active && stored.bot_token === registeredWith.bot_token && stored.webhook_secret === registeredWith.webhook_secret;
      if (!stillCurrent) return channel;
      channel.webhook = webhook;
      return manager.save(channel);
    });
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
    if (!channel || !isChannelType(channel.channel_type)) notFound();
    return channel;
  }

  /** The channel row, locked (SELECT … FOR UPDATE) until the transaction ends. */
  private async lockedChannel(manager: EntityManager, id: string): Promise<Channel> {
    const channel = UUID.test(id) ? await manager.getRepository(Channel).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!channel || !isChannelType(channel.channel_type)) notFound();
    return channel;
  }

  private view(channel: Channel): ChannelView {
    return channelView(channel, this.setup.webhookUrl(channel.channel_type as ChannelType, channel.id));
  }
}
