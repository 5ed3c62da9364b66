import { Global, Module } from '@nestjs/common';
import { AppConfig, RedisService } from '@app/common';
import { EXECUTOR_ROBOT, RobotClient } from '../execution';
import { ExecutorRobotClient } from './executor-robot.client';
import { ExecutorStore } from './executor.store';

/**
 * Hands execution/robot the executor robot client (EXECUTOR_ROBOT) in every role: workers
 * follow runs on executors through Redis, whichever process holds the connection. Global, so
 * RobotModule, wherever it is imported, resolves the token without importing executor/.
 */
@Global()
@Module({
  providers: [
    {
      provide: EXECUTOR_ROBOT,
      inject: [AppConfig, RedisService],
      useFactory: (config: AppConfig, redis: RedisService): RobotClient | null =>
        config.robot.mode === 'executor'
          ? new ExecutorRobotClient(config, new ExecutorStore(redis), redis)
          : null,
    },
  ],
  exports: [EXECUTOR_ROBOT],
})
export class ExecutorRobotModule {}
