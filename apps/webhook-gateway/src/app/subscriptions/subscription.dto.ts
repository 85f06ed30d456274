import { OUTBOUND_EVENT_TYPES } from '@inbound/contracts';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { SUBSCRIPTION_LIMITS } from './subscription-input.util';

// Stored as text, which PostgreSQL refuses with U+0000 in it; shown to people.
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
const CONTROL_CHARACTERS_MESSAGE = { message: 'description must not contain control characters' };

// Each type once, plus "*": a longer list cannot be valid.
const MAX_EVENTS = OUTBOUND_EVENT_TYPES.length + 1;

// A field left out is kept; one sent as null is a value, refused where the column has no null.
const IfPresent = () => ValidateIf((_dto: object, value: unknown) => value !== undefined);

// Shapes only; the rules (URL, event names, retry bounds) are in subscription-input.util.ts.
class SubscriptionSettingsDto {
  @IfPresent() @IsArray() @ArrayMaxSize(MAX_EVENTS) events?: unknown[];
  @IsOptional()
  @IsString()
  @MaxLength(SUBSCRIPTION_LIMITS.descriptionLength)
  @Matches(NO_CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE)
  description?: string | null;
  @IfPresent() @IsBoolean() enabled?: boolean;
  /** null: the default schedule. */
  @IsOptional() @IsObject() retry?: Record<string, unknown> | null;
}

export class CreateSubscriptionDto extends SubscriptionSettingsDto {
  @IsUUID() account_id!: string;
  @IsString() @IsNotEmpty() @MaxLength(SUBSCRIPTION_LIMITS.urlLength) url!: string;
}

export class UpdateSubscriptionDto extends SubscriptionSettingsDto {
  @IfPresent() @IsString() @IsNotEmpty() @MaxLength(SUBSCRIPTION_LIMITS.urlLength) url?: string;
}

export class ListSubscriptionsQuery {
  @IsUUID() account_id!: string;
}
