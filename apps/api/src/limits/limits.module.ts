import { Global, Module } from '@nestjs/common';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { SseStreams } from './sse-streams';
import { StartRateLimiter } from './start-budget';

/**
 * Request limits shared across processes through Redis: the per-key start budget, spent by
 * ExecutionService.start for every start path. The per-user cap on active executions is
 * checked there too (it needs the database). SseStreams caps and ends event streams per key.
 */
@Global()
@Module({
  providers: [RedisThrottlerStorage, StartRateLimiter, SseStreams],
  exports: [StartRateLimiter, SseStreams],
})
export class LimitsModule {}
