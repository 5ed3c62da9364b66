import { Module } from '@nestjs/common';
import { ExecutorModule } from '../executor';
import { LegacyExecutorController } from './legacy-executor.controller';

/** Legacy routes that belong to no other module (the caller's executors). */
@Module({
  imports: [ExecutorModule],
  controllers: [LegacyExecutorController],
})
export class LegacyHttpModule {}
