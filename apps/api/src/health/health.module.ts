import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { DatabaseModule } from '../database';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({})
export class HealthModule {
  /** `robot` is the module that provides the RobotClient, whose reachability is reported. */
  static register(robot?: NonNullable<ModuleMetadata['imports']>[number]): DynamicModule {
    return {
      module: HealthModule,
      imports: robot ? [DatabaseModule, robot] : [DatabaseModule],
      controllers: [HealthController],
      providers: [HealthService],
    };
  }
}
