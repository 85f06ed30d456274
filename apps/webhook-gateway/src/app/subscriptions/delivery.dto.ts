import { IsIn, IsOptional, IsString, Matches, ValidateIf } from 'class-validator';
import { DELIVERY_STATUSES } from './delivery-view';

// Query values arrive as text (the app's pipe does not convert them); a repeated one arrives as a list and is refused.
const STATUS_MESSAGE = { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` };

export const DELIVERY_PAGE = { defaultLimit: 20, maxLimit: 100 } as const;

export class ListDeliveriesQuery {
  @IsOptional() @IsIn(DELIVERY_STATUSES, STATUS_MESSAGE) status?: string;
  @IsOptional()
  @Matches(/^(100|[1-9][0-9]?)$/, { message: `limit must be a whole number from 1 to ${DELIVERY_PAGE.maxLimit}` })
  limit?: string;
  /** Checked by the service: only a cursor a listing gave is taken. */
  @IsOptional() @IsString() cursor?: string;
}

// A field left out takes its default; one sent as null is refused.
const IfPresent = () => ValidateIf((_dto: object, value: unknown) => value !== undefined);

export class BulkRedeliverDto {
  /** Default `dead`. */
  @IfPresent() @IsIn(DELIVERY_STATUSES, STATUS_MESSAGE) status?: string;
  /** An RFC 3339 date-time, checked by the service. */
  @IfPresent() @IsString() since?: string;
}

/** The test takes no fields; the class makes the app's pipe refuse any that are sent. */
export class SubscriptionTestDto {}
