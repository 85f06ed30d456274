import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { AdminTokenGuard } from '../channels/admin-token.guard';
import { REALTIME_TOKEN_TTL, RealtimeTokens } from './realtime-tokens';

export class CreateRealtimeTokenDto {
  @IsUUID() account_id!: string;
  @IsOptional() @IsInt() @Min(1) @Max(REALTIME_TOKEN_TTL.maxSeconds) ttl_seconds?: number;
}

@Controller('realtime')
@UseGuards(AdminTokenGuard)
export class RealtimeController {
  constructor(private readonly tokens: RealtimeTokens) {}

  @Post('tokens')
  @HttpCode(201)
  create(@Body() body: CreateRealtimeTokenDto): { token: string; expires_at: string } {
    return this.tokens.mint(body.account_id, body.ttl_seconds ?? REALTIME_TOKEN_TTL.defaultSeconds);
  }
}
