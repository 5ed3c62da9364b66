import { Module } from '@nestjs/common';
import { AppConfig, RedisService } from '@app/common';
import { MetricsService } from '../../metrics';
import { EXECUTOR_ROBOT } from './executor-robot.token';
import { HttpRobotClient } from './http-robot.client';
import { RobotClient } from './robot-client';
import { instrumentRobotClient } from './robot-metrics';
import { SimulatorRobotClient } from './simulator-robot.client';

function robotFor(
  config: AppConfig,
  redis: RedisService,
  executorRobot: RobotClient | null,
): RobotClient {
  switch (config.robot.mode) {
    case 'http':
      return new HttpRobotClient(config);
    case 'executor':
      if (!executorRobot) throw new Error('ROBOT_MODE=executor needs ExecutorRobotModule');
      return executorRobot;
    default:
      return new SimulatorRobotClient(config, redis);
  }
}

@Module({
  providers: [
    {
      provide: RobotClient,
      inject: [AppConfig, MetricsService, RedisService, { token: EXECUTOR_ROBOT, optional: true }],
      useFactory: (
        config: AppConfig,
        metrics: MetricsService,
        redis: RedisService,
        executorRobot: RobotClient | null = null,
      ): RobotClient => instrumentRobotClient(robotFor(config, redis, executorRobot), metrics),
    },
  ],
  exports: [RobotClient],
})
export class RobotModule {}
