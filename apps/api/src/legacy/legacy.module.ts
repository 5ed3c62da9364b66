import { Module } from '@nestjs/common';
import { ExecutorPresence, NoExecutorPresence } from './executor-presence';
import { LegacyExecutorController } from './legacy-executor.controller';

/** Legacy routes that belong to no other module (the caller's executors). */
@Module({
  controllers: [LegacyExecutorController],
  providers: [{ provide: ExecutorPresence, useClass: NoExecutorPresence }],
})
export class LegacyHttpModule {}
