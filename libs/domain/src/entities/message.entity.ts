import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { MessageErrorDetails, MessageStatus } from '../status/message-status';
import { Channel } from './channel.entity';
import { GroupMessage } from './group-message.entity';

export const MESSAGE_DIRECTIONS = ['inbound', 'outbound'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

export interface MessageMetadata {
  provider_message_id?: string;
  /** ISO-8601, set by the first read receipt. */
  read_at?: string;
  [key: string]: unknown;
}

export const MESSAGE_INDEXES = {
  /** ((metadata_->>'provider_message_id'), channel_id): the status worker's look-up. */
  providerMessageId: 'idx_messages_provider_msg_id',
  /** Unique (channel_id, metadata_->>'provider_message_id') for inbound rows: idempotent inserts. */
  inboundProviderMessageUnique: 'uq_messages_inbound_provider_msg',
  /** (channel_id, delivery_address) for outbound rows: Messenger watermark updates. */
  outboundRecipient: 'idx_messages_outbound_recipient',
  groupMessage: 'idx_messages_group_message_id',
} as const;

/** The expression indexes are declared by name with `synchronize: false`: the migration owns them. */
@Entity({ name: 'messages' })
@Index(MESSAGE_INDEXES.providerMessageId, { synchronize: false })
@Index(MESSAGE_INDEXES.inboundProviderMessageUnique, { synchronize: false })
@Index(MESSAGE_INDEXES.outboundRecipient, ['channel_id', 'delivery_address'], { where: `"direction" = 'outbound'` })
@Index(MESSAGE_INDEXES.groupMessage, ['group_message_id'], { where: `"group_message_id" IS NOT NULL` })
@Check('chk_messages_direction', `"direction" IN ('inbound', 'outbound')`)
@Check('chk_messages_status', `"status" IN ('pending', 'queued', 'sent', 'delivered', 'failed')`)
export class Message {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_messages' })
  id!: string;

  @Column({ name: 'account_id', type: 'uuid' })
  account_id!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channel_id!: string;

  @ManyToOne(() => Channel, { nullable: false })
  @JoinColumn({ name: 'channel_id', foreignKeyConstraintName: 'fk_messages_channel' })
  channel?: Channel;

  @Column({ name: 'group_message_id', type: 'uuid', nullable: true })
  group_message_id!: string | null;

  @ManyToOne(() => GroupMessage, { nullable: true })
  @JoinColumn({ name: 'group_message_id', foreignKeyConstraintName: 'fk_messages_group_message' })
  group_message?: GroupMessage | null;

  @Column({ name: 'contact_id', type: 'uuid', nullable: true })
  contact_id!: string | null;

  @Column({ name: 'direction', type: 'varchar', length: 16 })
  direction!: MessageDirection;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'pending' })
  status!: MessageStatus;

  /** Inbound: the sender's address; outbound: the recipient's. */
  @Column({ name: 'delivery_address', type: 'varchar', length: 512 })
  delivery_address!: string;

  @Column({ name: 'message_body', type: 'text', nullable: true })
  message_body!: string | null;

  @Column({ name: 'metadata_', type: 'jsonb', default: () => `'{}'` })
  metadata_!: MessageMetadata;

  @Column({ name: 'error_details', type: 'jsonb', nullable: true })
  error_details!: MessageErrorDetails | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sent_at!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  delivered_at!: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failed_at!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  created_at!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updated_at!: Date;
}
