import { CHANNEL_TYPES, type ChannelType } from '@inbound/messaging';
import { IsBoolean, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class CreateChannelDto {
  @IsUUID() account_id!: string;
  @IsIn(CHANNEL_TYPES) channel_type!: ChannelType;
  @IsString() @IsNotEmpty() @MaxLength(255) name!: string;
  @IsObject() credentials!: Record<string, unknown>;
}

export class UpdateChannelDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(255) name?: string;
  @IsOptional() @IsBoolean() is_active?: boolean;
  /** Merged into the stored credentials key by key. */
  @IsOptional() @IsObject() credentials?: Record<string, unknown>;
}
