import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database';
import { RobotModule } from '../execution';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

/** `/health` in every role; readiness also reports whether the robot answers (RobotModule). */
@Module({
  imports: [DatabaseModule, RobotModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
