import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Per-subscription override of the delivery schedule; absent fields take the defaults. */
export interface WebhookRetryPolicy {
  max_attempts?: number;
  /** Delay before each retry, in order; the last one repeats. */
  backoff_ms?: number[];
}

export const WEBHOOK_SUBSCRIPTION_INDEXES = { accountNewestFirst: 'idx_webhook_subscriptions_account_created' } as const;

/**
 * A customer's URL that receives outbound events. The signing secrets are sealed with the
 * CredentialsCipher (the subscription id as associated data), like channel credentials.
 */
@Entity({ name: 'webhook_subscriptions' })
// (account_id, created_at DESC, id DESC): the order is beyond @Index, so the migration owns its shape.
@Index(WEBHOOK_SUBSCRIPTION_INDEXES.accountNewestFirst, { synchronize: false })
export class WebhookSubscription {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_webhook_subscriptions' })
  id!: string;

  @Column({ name: 'account_id', type: 'uuid' })
  account_id!: string;

  @Column({ name: 'url', type: 'text' })
  url!: string;

  /** Outbound event types, or `*` for all of them. */
  @Column({ name: 'events', type: 'text', array: true })
  events!: string[];

  /** Sealed `{"secret": "whsec_…"}`. */
  @Column({ name: 'secret', type: 'text' })
  secret!: string;

  /** The secret replaced by the last rotation, sealed like `secret`; still signs until its expiry. */
  @Column({ name: 'previous_secret', type: 'text', nullable: true })
  previous_secret!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previous_secret_expires_at!: Date | null;

  @Column({ name: 'enabled', type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'retry', type: 'jsonb', nullable: true })
  retry!: WebhookRetryPolicy | null;

  @Column({ name: 'description', type: 'text', nullable: true })
  description!: string | null;

  /** Why the platform disabled it (e.g. the endpoint answered 410); cleared when re-enabled. */
  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabled_reason!: string | null;

  /** First failure since the endpoint last answered 2xx; the dispatcher disables it after five days of failing. */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failing_since!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  created_at!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updated_at!: Date;
}
