import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { GracefulShutdown } from './graceful-shutdown.service';
import { QueueErrorLogger } from './queue-error-logger.service';

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [GracefulShutdown, QueueErrorLogger],
  exports: [GracefulShutdown],
})
export class LifecycleModule {}
