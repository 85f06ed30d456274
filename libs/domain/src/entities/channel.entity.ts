import type { ChannelConnection } from '@inbound/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** What each state holds and means: docs/CONTRACTS.md, "Channel admin API". */
export type ChannelWebhookState =
  | Record<string, never>
  | { status: 'registered'; url: string; registered_at: string; note?: string; [detail: string]: unknown }
  | { status: 'manual'; url: string; instructions: string; [detail: string]: unknown }
  | { status: 'failed'; url: string; error: string; failed_at: string }
  | { status: 'unregistered'; url: string; unregistered_at: string };

/** Property names are the contract's column names, as everywhere on the bus and the API. */
@Entity({ name: 'channels' })
// (account_id, created_at DESC, id DESC) for the account's channel list; the order is beyond @Index, so the migration owns its shape.
@Index('idx_channels_account_created', { synchronize: false })
export class Channel {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_channels' })
  id!: string;

  @Column({ name: 'account_id', type: 'uuid' })
  account_id!: string;

  /** telegram | whatsapp | sms | messenger | email | bridge (the list is owned by libs/contracts). */
  @Column({ name: 'channel_type', type: 'varchar', length: 32 })
  channel_type!: string;

  @Column({ name: 'name', type: 'varchar', length: 255 })
  name!: string;

  /** The provider credentials, encrypted: text so that any ciphertext encoding fits. */
  @Column({ name: 'credentials', type: 'text' })
  credentials!: string;

  @Column({ name: 'webhook', type: 'jsonb', default: () => "'{}'" })
  webhook!: ChannelWebhookState;

  /** A bridge channel's connection as it last reported it; written by the gateway, never by the admin API. Null until a first report. */
  @Column({ name: 'connection', type: 'jsonb', nullable: true })
  connection!: ChannelConnection | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  is_active!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  created_at!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updated_at!: Date;
}
