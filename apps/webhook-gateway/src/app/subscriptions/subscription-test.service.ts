import { isUuidText, type OutboundEventEnvelope } from '@inbound/contracts';
import { CredentialsCipher, CredentialsDecryptionError, WebhookSubscription } from '@inbound/domain';
import { deliveryHeaders, WebhookSender } from '@inbound/webhook-delivery';
import { ConflictException, Inject, Injectable, NotFoundException, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';

/** The sender of test webhooks, one per process (subscriptions.module.ts). */
export const TEST_WEBHOOK_SENDER = Symbol('TEST_WEBHOOK_SENDER');

/** Deadline of a test: the caller waits for it, like the dispatcher's default attempt. */
export const TEST_TIMEOUT_MS = 10_000;

export interface SubscriptionTestResult {
  /** The endpoint answered 2xx. */
  ok: boolean;
  /** Null when no answer arrived. */
  response_status: number | null;
  duration_ms: number;
  /** The start of the answer's body; null when no answer arrived. */
  response_body: string | null;
  /** Why it failed, for people; null when it succeeded. */
  error: string | null;
  /** The delivery that logs this test (GET /deliveries/:id). */
  delivery_id: string;
}

export interface WebhookTestData {
  subscription_id: string;
}

function notFound(): never {
  throw new NotFoundException({ error: 'not_found', message: 'no such subscription' });
}

/**
 * Sends a `webhook.test` event to a subscription at once, signed as the dispatcher signs (the current secret and a
 * rotated-out one still valid), and logs it as a delivery. Disabled subscriptions are tested too: that is how an
 * operator checks an endpoint before enabling it again. A test is never retried: a failed one is logged `dead`.
 */
@Injectable()
export class SubscriptionTestService implements OnApplicationShutdown {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(TEST_WEBHOOK_SENDER) private readonly sender: WebhookSender,
    private readonly cipher: CredentialsCipher,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('SubscriptionTestService');
  }

  async test(id: string): Promise<SubscriptionTestResult> {
    const subscription = isUuidText(id) ? await this.dataSource.getRepository(WebhookSubscription).findOne({ where: { id } }) : null;
    if (!subscription) notFound();
    const secrets = this.secrets(subscription);
    const envelope: OutboundEventEnvelope<WebhookTestData> = {
      id: randomUUID(),
      type: 'webhook.test',
      created_at: new Date().toISOString(),
      account_id: subscription.account_id,
      data: { subscription_id: subscription.id },
    };
    const body = JSON.stringify(envelope);
    const startedAt = new Date();
    const outcome = await this.sender.send({
      url: subscription.url,
      body,
      headers: deliveryHeaders({
        eventId: envelope.id,
        eventType: envelope.type,
        timestampSeconds: Math.floor(startedAt.getTime() / 1000),
        body,
        secrets,
      }),
    });
    const responseBody = outcome.status === null ? null : outcome.responseBody;
    const error = outcome.error ?? (outcome.ok ? null : `the endpoint answered ${outcome.status}`);
    const deliveryId = randomUUID();
    // One statement: the delivery and its attempt are logged together, and not at all if the subscription was deleted
    // while the test ran (its deliveries would have gone with it).
    const logged = await this.dataSource.query<unknown[]>(
      `WITH delivery AS (
         INSERT INTO webhook_deliveries (id, subscription_id, account_id, event_id, event_type, payload, status, attempts,
           next_attempt_at, locked_until, last_attempt_at, response_status, response_body, error, error_class, duration_ms)
         SELECT $1, s.id, s.account_id, $3, $4, $5::jsonb, $6, 1, NULL, NULL, $7, $8, $9, $10, $11, $12
         FROM webhook_subscriptions s WHERE s.id = $2
         RETURNING id),
       attempt AS (
         INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, response_status, response_body, error_class, error, duration_ms)
         SELECT delivery.id, 1, $7, $8, $9, $11, $10, $12 FROM delivery
         RETURNING delivery_id)
       SELECT delivery_id FROM attempt`,
      [
        deliveryId,
        subscription.id,
        envelope.id,
        envelope.type,
        body,
        outcome.ok ? 'succeeded' : 'dead',
        startedAt.toISOString(),
        outcome.status,
        responseBody,
        error,
        outcome.errorClass,
        outcome.durationMs,
      ],
    );
    if (logged.length === 0) notFound();
    this.logger.info(
      {
        subscription_id: subscription.id,
        delivery_id: deliveryId,
        ok: outcome.ok,
        response_status: outcome.status,
        error_class: outcome.errorClass,
      },
      'subscription tested',
    );
    return {
      ok: outcome.ok,
      response_status: outcome.status,
      duration_ms: outcome.durationMs,
      response_body: responseBody,
      error,
      delivery_id: deliveryId,
    };
  }

  onApplicationShutdown(): void {
    this.sender.close();
  }

  /** The current secret, then the one the last rotation replaced while it still signs. */
  private secrets(subscription: WebhookSubscription): string[] {
    const secrets = [this.open(subscription.id, subscription.secret)];
    const previous = subscription.previous_secret;
    const expiry = subscription.previous_secret_expires_at;
    if (previous && expiry && expiry.getTime() > Date.now()) secrets.push(this.open(subscription.id, previous));
    return secrets;
  }

  /** A secret this gateway cannot open (sealed with a key it lacks) is the operator's to fix: 409, not 500. */
  private open(id: string, sealed: string): string {
    try {
      return String(this.cipher.open(id, sealed)['secret']);
    } catch (error) {
      if (!(error instanceof CredentialsDecryptionError)) throw error;
      throw new ConflictException({
        error: 'credentials_unreadable',
        message:
          'the stored secret cannot be opened with the configured keys (configure the key that sealed it in CREDENTIALS_KEY_PREVIOUS)',
      });
    }
  }
}
