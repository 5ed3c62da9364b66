import { Module } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { MetricsService } from '../../metrics/metrics.service';
import { HttpRobotClient } from './http-robot.client';
import { RobotClient } from './robot-client';
import { instrumentRobotClient } from './robot-metrics';
import { SimulatorRobotClient } from './simulator-robot.client';

@Module({
  providers: [
    {
      provide: RobotClient,
      inject: [AppConfig, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService): RobotClient =>
        instrumentRobotClient(
          config.robot.mode === 'http'
            ? new HttpRobotClient(config)
            : new SimulatorRobotClient(config),
          metrics,
        ),
    },
  ],
  exports: [RobotClient],
})
export class RobotModule {}
