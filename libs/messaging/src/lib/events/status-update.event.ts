import {
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { CHANNEL_TYPES, ChannelType } from './channel-type';
import { STATUS_PATTERN, StatusKind } from './message-status';

/**
 * A message we sent changed state. Published by the gateway on `message.status` with routing
 * key `message.status.<status>`; consumed by the status worker.
 *
 * Either `provider_message_id` names the message, or `recipient_address` + `watermark`
 * cover everything sent to one recipient up to a time (Messenger delivery/read watermarks).
 * With a provider id, `recipient_address` (when the provider names one) picks the recipient's
 * row among several that share the id (one email request sent to several addresses).
 */
export class StatusUpdateEvent {
  @IsUUID() event_id!: string;
  @IsUUID() channel_id!: string;
  @IsUUID() account_id!: string;
  @IsIn(CHANNEL_TYPES) channel_type!: ChannelType;

  @ValidateIf((event: StatusUpdateEvent) => event.watermark === undefined || event.provider_message_id !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  provider_message_id?: string;

  @Matches(STATUS_PATTERN) status!: StatusKind;
  @IsISO8601({ strict: true }) timestamp!: string;
  @IsOptional() @IsString() @MaxLength(255) error_code?: string;
  @IsOptional() @IsString() @MaxLength(4096) error_message?: string;
  @IsObject() metadata!: Record<string, unknown>;
  @IsISO8601({ strict: true }) received_at!: string;

  @ValidateIf((event: StatusUpdateEvent) => event.watermark !== undefined || event.recipient_address !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  recipient_address?: string;

  @IsOptional() @IsISO8601({ strict: true }) watermark?: string;
}
