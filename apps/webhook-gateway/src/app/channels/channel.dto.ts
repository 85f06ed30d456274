import { CHANNEL_TYPES, type ChannelType } from '@inbound/contracts';
import { IsBoolean, IsIn, IsNotEmpty, IsObject, IsString, IsUUID, Matches, MaxLength, ValidateIf } from 'class-validator';

// A name is shown to people and stored as text, which PostgreSQL refuses with U+0000 in it
// (found by the fuzz test: POST /channels with such a name answered 500).
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
const CONTROL_CHARACTERS_MESSAGE = { message: 'name must not contain control characters' };

export class CreateChannelDto {
  @IsUUID() account_id!: string;
  @IsIn(CHANNEL_TYPES) channel_type!: ChannelType;
  @IsString() @IsNotEmpty() @MaxLength(255) @Matches(NO_CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE) name!: string;
  @IsObject() credentials!: Record<string, unknown>;
}

// A field left out of a PATCH is kept; one sent as null is a value, and a wrong one (IsOptional
// would let null through to a NOT NULL column: the fuzz test found `{"name":null}` answering 500).
const IfPresent = () => ValidateIf((_dto: object, value: unknown) => value !== undefined);

export class UpdateChannelDto {
  @IfPresent() @IsString() @IsNotEmpty() @MaxLength(255) @Matches(NO_CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE) name?: string;
  @IfPresent() @IsBoolean() is_active?: boolean;
  /** Merged into the stored credentials key by key. */
  @IfPresent() @IsObject() credentials?: Record<string, unknown>;
}
