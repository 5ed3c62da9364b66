import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig, RedisService } from '@app/common';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import {
  START_THROTTLER,
  START_WINDOW_MS,
  StartRateLimiter,
  StartThrottlerGuard,
} from './start-rate-limit';

/**
 * Request limits shared across processes through Redis. The throttler guard is not global:
 * only routes marked @StartRateLimit() are limited. The per-user cap on active executions
 * is checked by ExecutionService.start (it needs the database).
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RedisService],
      useFactory: (config: AppConfig, redis: RedisService) => ({
        throttlers: [
          {
            name: START_THROTTLER,
            ttl: START_WINDOW_MS,
            limit: Math.max(config.limits.startPerMinute, 1),
            blockDuration: START_WINDOW_MS,
          },
        ],
        storage: new RedisThrottlerStorage(redis),
      }),
    }),
  ],
  providers: [StartThrottlerGuard, StartRateLimiter],
  exports: [StartThrottlerGuard, StartRateLimiter],
})
export class LimitsModule {}
