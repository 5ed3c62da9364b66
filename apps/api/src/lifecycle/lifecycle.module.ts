import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { GracefulShutdownService } from './graceful-shutdown.service';
import { QueueErrorLogger } from './queue-error.logger';
import { RedisAwayShutdownService } from './redis-away-shutdown.service';

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [GracefulShutdownService, QueueErrorLogger, RedisAwayShutdownService],
  exports: [GracefulShutdownService],
})
export class LifecycleModule {}
