import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { GracefulShutdown } from './graceful-shutdown.service';
import { QueueErrorLogger } from './queue-error-logger.service';
import { RedisAwayShutdown } from './redis-away-shutdown.service';

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [GracefulShutdown, QueueErrorLogger, RedisAwayShutdown],
  exports: [GracefulShutdown],
})
export class LifecycleModule {}
