import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({})
export class HealthModule {
  /** `robot` is the module that provides ROBOT_PROBE, when this process has one. */
  static register(robot?: NonNullable<ModuleMetadata['imports']>[number]): DynamicModule {
    return {
      module: HealthModule,
      imports: robot ? [robot] : [],
      controllers: [HealthController],
      providers: [HealthService],
    };
  }
}
