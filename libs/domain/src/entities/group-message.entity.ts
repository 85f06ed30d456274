import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Channel } from './channel.entity';

export const GROUP_MESSAGE_STATUSES = ['processing', 'completed'] as const;
export type GroupMessageStatus = (typeof GROUP_MESSAGE_STATUSES)[number];

/** One send to many recipients; the status worker moves each counter at most once per message. */
@Entity({ name: 'group_messages' })
// (account_id, created_at DESC, id DESC) for the account's campaign list; the order is beyond @Index, so the migration owns its shape.
@Index('idx_group_messages_account_created', { synchronize: false })
@Check('chk_group_messages_status', `"status" IN ('processing', 'completed')`)
export class GroupMessage {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_group_messages' })
  id!: string;

  @Column({ name: 'account_id', type: 'uuid' })
  account_id!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channel_id!: string;

  @ManyToOne(() => Channel, { nullable: false })
  @JoinColumn({ name: 'channel_id', foreignKeyConstraintName: 'fk_group_messages_channel' })
  channel?: Channel;

  @Column({ name: 'total_count', type: 'integer', default: 0 })
  total_count!: number;

  @Column({ name: 'delivered_count', type: 'integer', default: 0 })
  delivered_count!: number;

  @Column({ name: 'failed_count', type: 'integer', default: 0 })
  failed_count!: number;

  @Column({ name: 'read_count', type: 'integer', default: 0 })
  read_count!: number;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'processing' })
  status!: GroupMessageStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  created_at!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updated_at!: Date;
}
