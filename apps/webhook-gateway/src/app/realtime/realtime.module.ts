import { Module } from '@nestjs/common';
import { AdminTokenGuard } from '../channels/admin-token.guard';
import { RealtimeController } from './realtime.controller';
import { RealtimeFeed } from './realtime-feed';
import { RealtimeMetrics } from './realtime-metrics';
import { RealtimeServer } from './realtime-server';
import { RealtimeTokens } from './realtime-tokens';

/** The realtime stream (docs/REALTIME.md): tokens from the admin API, one socket per client, events of its account only. */
@Module({
  controllers: [RealtimeController],
  providers: [AdminTokenGuard, RealtimeTokens, RealtimeMetrics, RealtimeFeed, RealtimeServer],
})
export class RealtimeModule {}
