import { IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { CHANNEL_TYPES, ChannelType } from './channel-type';

/**
 * Someone wrote to one of our channels. Published by the gateway on `webhook.inbound`
 * with routing key `webhook.inbound.<channel_type>`; consumed by the inbound worker.
 */
export class InboundMessageEvent {
  /** Deterministic: the same provider event always yields the same id. */
  @IsUUID() event_id!: string;
  @IsUUID() channel_id!: string;
  @IsUUID() account_id!: string;
  @IsIn(CHANNEL_TYPES) channel_type!: ChannelType;
  @IsString() @IsNotEmpty() @MaxLength(512) provider_message_id!: string;
  @IsString() @IsNotEmpty() @MaxLength(512) sender_address!: string;
  @IsOptional() @IsString() @MaxLength(512) sender_name?: string;
  @IsOptional() @IsString() message_body?: string;
  @IsISO8601({ strict: true }) timestamp!: string;
  @IsOptional() @IsString() @MaxLength(4096) media_url?: string;
  @IsOptional() @IsString() @MaxLength(255) media_type?: string;
  @IsObject() metadata!: Record<string, unknown>;
  @IsISO8601({ strict: true }) received_at!: string;
}
