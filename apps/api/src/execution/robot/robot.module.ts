import { Module } from '@nestjs/common';
import { AppConfig, RedisService } from '@app/common';
import { MetricsService } from '../../metrics/metrics.service';
import { ExecutorRobotClient } from '../../executor/executor-robot.client';
import { ExecutorStore } from '../../executor/executor.store';
import { HttpRobotClient } from './http-robot.client';
import { RobotClient } from './robot-client';
import { instrumentRobotClient } from './robot-metrics';
import { SimulatorRobotClient } from './simulator-robot.client';

function robotFor(config: AppConfig, redis: RedisService): RobotClient {
  switch (config.robot.mode) {
    case 'http':
      return new HttpRobotClient(config);
    case 'executor':
      return new ExecutorRobotClient(config, new ExecutorStore(redis), redis);
    default:
      return new SimulatorRobotClient(config, redis);
  }
}

@Module({
  providers: [
    {
      provide: RobotClient,
      inject: [AppConfig, MetricsService, RedisService],
      useFactory: (config: AppConfig, metrics: MetricsService, redis: RedisService): RobotClient =>
        instrumentRobotClient(robotFor(config, redis), metrics),
    },
  ],
  exports: [RobotClient],
})
export class RobotModule {}
