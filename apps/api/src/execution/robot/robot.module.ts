import { Module } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { HttpRobotClient } from './http-robot.client';
import { RobotClient } from './robot-client';
import { SimulatorRobotClient } from './simulator-robot.client';

@Module({
  providers: [
    {
      provide: RobotClient,
      inject: [AppConfig],
      useFactory: (config: AppConfig): RobotClient =>
        config.robot.mode === 'http'
          ? new HttpRobotClient(config)
          : new SimulatorRobotClient(config),
    },
  ],
  exports: [RobotClient],
})
export class RobotModule {}
