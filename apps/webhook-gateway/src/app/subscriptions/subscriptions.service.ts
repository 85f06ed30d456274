import { isUuidText } from '@inbound/contracts';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CredentialsCipher, WebhookSubscription } from '@inbound/domain';
import { PinoLogger } from 'nestjs-pino';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';
import { SubscriberDestination } from './subscriber-destination';
import type { CreateSubscriptionDto, UpdateSubscriptionDto } from './subscription.dto';
import {
  checkRetryPolicy,
  DEFAULT_SUBSCRIBED_EVENTS,
  normalizeEvents,
  parseSubscriberUrl,
  SubscriptionInputError,
} from './subscription-input.util';
import { subscriptionView, type SubscriptionView, type SubscriptionWithSecret } from './subscription-view';
import { invalidRequest } from '../http/invalid-request';

/** How long the secret a rotation replaces keeps signing, so subscribers can switch without losing events. */
export const PREVIOUS_SECRET_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** `whsec_` + base64 of 24 random bytes, the Standard Webhooks secret format. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function notFound(): never {
  throw new NotFoundException({ error: 'not_found', message: 'no such subscription' });
}

/** Runs input checks, answering their refusal as 400 naming the field. */
async function checked<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SubscriptionInputError) {
      throw invalidRequest(error.field, error.message);
    }
    throw error;
  }
}

/**
 * Subscriber webhooks. Secrets are sealed before they reach the database and leave it only in
 * the answers of create and rotate-secret. Changes hold the row lock.
 */
@Injectable()
export class SubscriptionsService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cipher: CredentialsCipher,
    private readonly destination: SubscriberDestination,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('SubscriptionsService');
  }

  private get repository() {
    return this.dataSource.getRepository(WebhookSubscription);
  }

  async create(input: CreateSubscriptionDto): Promise<SubscriptionWithSecret> {
    const { url, events, retry } = await checked(async () => ({
      url: await this.checkUrl(input.url),
      events: normalizeEvents(input.events ?? DEFAULT_SUBSCRIBED_EVENTS),
      retry: input.retry ? checkRetryPolicy(input.retry) : null,
    }));
    const id = randomUUID();
    const secret = newSigningSecret();
    const subscription = await this.repository.save(
      this.repository.create({
        id,
        account_id: input.account_id,
        url,
        events,
        secret: this.sealSecret(id, secret),
        previous_secret: null,
        previous_secret_expires_at: null,
        enabled: input.enabled ?? true,
        retry,
        description: input.description ?? null,
        disabled_reason: null,
      }),
    );
    this.logger.info({ subscription_id: id, account_id: input.account_id, events }, 'subscription created');
    return { ...subscriptionView(subscription, new Date()), secret };
  }

  /** An account's subscriptions, newest first. */
  async list(accountId: string): Promise<SubscriptionView[]> {
    const rows = await this.repository.find({ where: { account_id: accountId }, order: { created_at: 'DESC', id: 'DESC' } });
    const now = new Date();
    return rows.map((row) => subscriptionView(row, now));
  }

  async get(id: string): Promise<SubscriptionView> {
    const subscription = isUuidText(id) ? await this.repository.findOne({ where: { id } }) : null;
    if (!subscription) notFound();
    return subscriptionView(subscription, new Date());
  }

  async update(id: string, patch: UpdateSubscriptionDto): Promise<SubscriptionView> {
    if (!isUuidText(id)) notFound();
    // Checked before the lock: a DNS look-up may take seconds.
    const { url, events, retry } = await checked(async () => ({
      url: patch.url === undefined ? undefined : await this.checkUrl(patch.url),
      events: patch.events === undefined ? undefined : normalizeEvents(patch.events),
      retry: patch.retry === undefined ? undefined : patch.retry === null ? null : checkRetryPolicy(patch.retry),
    }));
    const saved = await this.dataSource.transaction(async (manager) => {
      const subscription = await this.locked(manager, id);
      if (url !== undefined) subscription.url = url;
      if (events !== undefined) subscription.events = events;
      if (retry !== undefined) subscription.retry = retry;
      if (patch.description !== undefined) subscription.description = patch.description;
      if (patch.enabled !== undefined) {
        subscription.enabled = patch.enabled;
        // Re-enabled by a person: whatever made the platform disable it is theirs to have fixed.
        if (patch.enabled) subscription.disabled_reason = null;
      }
      return manager.save(subscription);
    });
    this.logger.info({ subscription_id: id, changed: Object.keys(patch) }, 'subscription updated');
    return subscriptionView(saved, new Date());
  }

  async remove(id: string): Promise<void> {
    if (!isUuidText(id)) notFound();
    const result = await this.repository.delete({ id });
    if (!result.affected) notFound();
    this.logger.info({ subscription_id: id }, 'subscription deleted');
  }

  /** A new secret; the one it replaces keeps signing for PREVIOUS_SECRET_LIFETIME_MS (an older previous one stops at once). */
  async rotateSecret(id: string): Promise<SubscriptionWithSecret> {
    if (!isUuidText(id)) notFound();
    const secret = newSigningSecret();
    const saved = await this.dataSource.transaction(async (manager) => {
      const subscription = await this.locked(manager, id);
      const now = new Date();
      subscription.previous_secret = subscription.secret;
      subscription.previous_secret_expires_at = new Date(now.getTime() + PREVIOUS_SECRET_LIFETIME_MS);
      subscription.secret = this.sealSecret(id, secret);
      return manager.save(subscription);
    });
    this.logger.info({ subscription_id: id }, 'subscription secret rotated');
    return { ...subscriptionView(saved, new Date()), secret };
  }

  private async checkUrl(text: string): Promise<string> {
    const { url, host } = parseSubscriberUrl(text);
    await this.destination.check(url, host);
    return url.href;
  }

  /** Sealed as `{"secret": …}` with the subscription id as associated data, like channel credentials. */
  private sealSecret(id: string, secret: string): string {
    return this.cipher.seal(id, { secret });
  }

  private async locked(manager: EntityManager, id: string): Promise<WebhookSubscription> {
    const subscription = await manager.getRepository(WebhookSubscription).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!subscription) notFound();
    return subscription;
  }
}
