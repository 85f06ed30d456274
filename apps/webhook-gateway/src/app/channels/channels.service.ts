import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  CredentialsError,
  mergeChannelCredentials,
  prepareChannelCredentials,
  shownOnceKeys,
  webhookSetupFor,
  type ApiWebhookSetup,
  type Credentials,
  type RegistrationOutcome,
} from '@inbound/adapters';
import { Channel, CredentialsCipher, CredentialsDecryptionError, type ChannelWebhookState } from '@inbound/domain';
import { isChannelType, type ChannelType, isUuidText } from '@inbound/contracts';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';
import { ChannelDirectory } from '../webhooks/channel-directory';
import type { CreateChannelDto, UpdateChannelDto } from './channel.dto';
import { channelView, type ChannelView } from './channel-view';
import { RegistrationLock } from './registration-lock';
import { WebhookSetup } from './webhook-setup';
import { invalidRequest } from '../http/invalid-request';

function invalid(error: unknown): never {
  if (error instanceof CredentialsError) throw invalidRequest(error.field, error.message);
  throw error;
}

function notFound(): never {
  throw new NotFoundException({ error: 'not_found', message: 'no such channel' });
}

/** What a change decided under the row lock leaves to do once the lock is released. */
interface CommittedChange {
  channel: Channel;
  setup?: ApiWebhookSetup;
  /** The credentials the provider is to be given (its secrets already stored); absent when it is not told. */
  registerWith?: Credentials;
  /** A registration that must stop calling us (deactivated, replaced, or its API credentials removed). */
  unregister?: { setup: ApiWebhookSetup; credentials: Credentials };
}

/** Whether another replica's registration of the channel may be left to it (the periodic reconciliation). */
export type WhenRegistrationBusy = 'wait' | 'skip';

/**
 * Credentials are sealed before they touch the database. Every read-modify-write holds the row lock; provider API
 * calls come after the commit: the secret they change is stored first, their outcome after.
 */
@Injectable()
export class ChannelsService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cipher: CredentialsCipher,
    private readonly setup: WebhookSetup,
    private readonly directory: ChannelDirectory,
    private readonly registrationLock: RegistrationLock,
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
      credentials = prepareChannelCredentials(type, input.credentials);
    } catch (error) {
      invalid(error);
    }
    const id = randomUUID();
    const setup = this.setup.setupOf(type, credentials);
    // A secret the server made for the operator to paste: shown in this answer, stored only sealed.
    const generated = shownOnceKeys(setup).filter((key) => input.credentials[key] === undefined && typeof credentials[key] === 'string');
    if (setup.kind === 'api') credentials = setup.registrationCredentials(credentials, false, new Date());
    // Saved first: a provider that calls back at once finds the channel, and a provider's API is
    // told only a secret that is already stored.
    const channel = await this.repository.save(
      this.repository.create({
        id,
        account_id: input.account_id,
        channel_type: type,
        name: input.name,
        credentials: this.cipher.seal(id, credentials),
        is_active: true,
        webhook: setup.kind === 'api' ? {} : setup.instructions(this.setup.webhookUrl(type, id), credentials),
      }),
    );
    this.directory.invalidate(id);
    const registered = setup.kind === 'api' ? await this.registerThroughApi(setup, type, id, credentials) : channel;
    this.logger.info({ channel_id: id, channel_type: type, webhook_status: registered.webhook.status }, 'channel created');
    const view = this.view(registered);
    if (generated.length === 0) return view;
    return {
      ...view,
      webhook: { ...view.webhook, ...Object.fromEntries(generated.map((key) => [key, credentials[key]])) } as ChannelView['webhook'],
    };
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
          // Keys the server owns (webhook secrets): a caller cannot set them, a merge keeps them.
          credentials = mergeChannelCredentials(type, before, patch.credentials);
        } catch (error) {
          invalid(error);
        }
      }
      const wasActive = channel.is_active;
      const isActive = patch.is_active ?? wasActive;
      // Absent only for stored credentials naming a provider no longer registered: name and state still change.
      const definition = this.setup.findDefinition(type, credentials);
      const reregistration = definition?.needsReregistration(before, credentials) ?? false;
      const registers = isActive && (!wasActive || reregistration || patch.credentials !== undefined);
      const setup = definition && webhookSetupFor(definition.webhook, credentials);
      // Set up through the API before this change: what was created there is removed when the change ends it.
      const definitionBefore = this.setup.findDefinition(type, before);
      const setupBefore = definitionBefore && webhookSetupFor(definitionBefore.webhook, before);
      const apiBefore = wasActive && setupBefore?.kind === 'api' ? setupBefore : undefined;
      const url = this.setup.webhookUrl(type, channel.id);
      let registerWith: Credentials | undefined;
      if (setup?.kind === 'api') {
        credentials = setup.tidiedCredentials(credentials, now);
        if (wasActive && !isActive) {
          // What belongs to the registration dies with it; reactivating registers anew.
          credentials = setup.unregisteredCredentials(credentials);
          channel.webhook = { status: 'unregistered', url, unregistered_at: now.toISOString() };
        } else if (registers) {
          credentials = setup.registrationCredentials(credentials, reregistration, now);
          registerWith = credentials;
        }
      } else {
        if (apiBefore) {
          // Its API credentials removed: what the provider gave that registration (a signing secret) goes with it,
          // so a secret the operator sets for the hand-made setup is the one that verifies.
          credentials = apiBefore.unregisteredCredentials(credentials);
          if (!registers) channel.webhook = { status: 'unregistered', url, unregistered_at: now.toISOString() };
        }
        if (setup && registers) channel.webhook = setup.instructions(url, credentials);
      }
      if (patch.name !== undefined) channel.name = patch.name;
      channel.is_active = isActive;
      channel.credentials = this.cipher.seal(channel.id, credentials);
      // Committed before any provider call, so a deactivation answers 404 at once.
      const saved = await manager.save(channel);
      const endsApiRegistration = apiBefore && (!isActive || reregistration || setup?.kind !== 'api');
      const unregister = endsApiRegistration ? { setup: apiBefore, credentials: before } : undefined;
      if (setup?.kind !== 'api') return { channel: saved, unregister };
      return { channel: saved, setup, registerWith, unregister };
    });
    this.directory.invalidate(change.channel.id);
    const changed = Object.keys(patch)
      .filter((key) => key !== 'credentials')
      .concat(patch.credentials ? Object.keys(patch.credentials).map((key) => `credentials.${key}`) : []);
    this.logger.info({ channel_id: change.channel.id, changed }, 'channel updated');

    const { setup } = change;
    const type = change.channel.channel_type as ChannelType;
    if (change.unregister) {
      // The old registration must stop calling us: the channel is deactivated or its registration replaced.
      const { setup: oldSetup, credentials: oldCredentials } = change.unregister;
      const stopped = await this.registrationLock.hold(change.channel.id, () =>
        this.setup.unregister(oldSetup, type, change.channel.id, oldCredentials),
      );
      if (!stopped.ok) this.logger.warn({ channel_id: change.channel.id, error: stopped.error }, 'could not remove the old webhook');
    }
    if (setup && change.registerWith) {
      return this.view(
        await this.registerThroughApi(setup, change.channel.channel_type as ChannelType, change.channel.id, change.registerWith),
      );
    }
    return this.view(change.channel);
  }

  /** `skip`: when another replica is registering this channel now, leave it to that one. */
  async registerWebhook(id: string, whenBusy: WhenRegistrationBusy = 'wait'): Promise<ChannelView['webhook']> {
    const now = new Date();
    const change = await this.dataSource.transaction(async (manager): Promise<CommittedChange> => {
      const channel = await this.lockedChannel(manager, id);
      if (!channel.is_active)
        throw new ConflictException({ error: 'channel_inactive', message: 'activate the channel before registering its webhook' });
      const type = channel.channel_type as ChannelType;
      const stored = this.openCredentials(channel);
      const setup = this.setup.setupOf(type, stored);
      if (setup.kind === 'manual') {
        channel.webhook = setup.instructions(this.setup.webhookUrl(type, channel.id), stored);
        return { channel: await manager.save(channel) };
      }
      // A retry tells the provider the stored secrets again; new ones are made only where none are stored.
      const credentials = setup.registrationCredentials(setup.tidiedCredentials(stored, now), false, now);
      if (credentials === stored) return { channel, setup, registerWith: credentials };
      channel.credentials = this.cipher.seal(channel.id, credentials);
      return { channel: await manager.save(channel), setup, registerWith: credentials };
    });
    this.directory.invalidate(change.channel.id);
    const { setup, registerWith } = change;
    if (setup && registerWith) {
      const type = change.channel.channel_type as ChannelType;
      return this.view(await this.registerThroughApi(setup, type, change.channel.id, registerWith, whenBusy)).webhook;
    }
    return this.view(change.channel).webhook;
  }

  private async registerThroughApi(
    setup: ApiWebhookSetup,
    type: ChannelType,
    channelId: string,
    credentials: Credentials,
    whenBusy: WhenRegistrationBusy = 'wait',
  ): Promise<Channel> {
    const registration = async () => {
      const outcome = await this.setup.register(setup, type, channelId, credentials);
      const { webhook } = outcome;
      if (webhook.status === 'failed') this.logger.warn({ channel_id: channelId, error: webhook.error }, 'webhook registration failed');
      // Stored while the lock is held: the next replica to take it sees what this one created.
      return this.storeRegistration(type, setup, channelId, credentials, outcome);
    };
    if (whenBusy === 'wait') return this.registrationLock.hold(channelId, registration);
    const held = await this.registrationLock.tryHold(channelId, registration);
    return held === 'busy' ? this.load(channelId) : held.value;
  }

  /**
   * Unless a change committed meanwhile made it stale (that change records its own): the webhook state, and the
   * server-owned values the provider gave back (a signing secret, a webhook id).
   */
  private storeRegistration(
    type: ChannelType,
    setup: ApiWebhookSetup,
    channelId: string,
    registeredWith: Credentials,
    outcome: RegistrationOutcome,
  ): Promise<Channel> {
    return this.dataSource.transaction(async (manager) => {
      const channel = await this.lockedChannel(manager, channelId);
      const stored = this.openCredentials(channel);
      const stillCurrent = channel.is_active && setup.isSameRegistration(stored, registeredWith);
      if (!stillCurrent) return channel;
      channel.webhook = outcome.webhook as ChannelWebhookState;
      if (outcome.credentials && Object.keys(outcome.credentials).length > 0) {
        const owned = new Set(this.setup.definition(type, stored).credentials.serverOwnedKeys);
        const foreign = Object.keys(outcome.credentials).filter((key) => !owned.has(key));
        // A provider definition writing a key callers own would overwrite what an operator set.
        if (foreign.length > 0) throw new Error(`a registration may store only server-owned credentials, not ${foreign.join(', ')}`);
        channel.credentials = this.cipher.seal(channel.id, { ...stored, ...outcome.credentials });
        this.directory.invalidate(channel.id);
      }
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
        message:
          'the stored credentials cannot be opened with the configured keys; run npm run credentials:reseal (or configure the key that sealed them)',
      });
    }
  }

  private async load(id: string): Promise<Channel> {
    const channel = isUuidText(id) ? await this.repository.findOne({ where: { id } }) : null;
    if (!channel || !isChannelType(channel.channel_type)) notFound();
    return channel;
  }

  private async lockedChannel(manager: EntityManager, id: string): Promise<Channel> {
    const channel = isUuidText(id)
      ? await manager.getRepository(Channel).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } })
      : null;
    if (!channel || !isChannelType(channel.channel_type)) notFound();
    return channel;
  }

  private view(channel: Channel): ChannelView {
    return channelView(channel, this.setup.webhookUrl(channel.channel_type as ChannelType, channel.id));
  }
}
