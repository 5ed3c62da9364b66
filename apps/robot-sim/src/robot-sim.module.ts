import { DynamicModule, Module } from '@nestjs/common';
import { RobotSimulator, SimBehaviour } from '@app/robot-sim';
import { SIM_ACCESS_TOKEN, SimAuthGuard } from './sim-auth.guard';
import { SIM_CALLBACK_SECRET, SimCallbacks } from './sim-callbacks';
import { SimController } from './sim.controller';

export interface RobotSimOptions {
  accessToken?: string;
  defaults?: Partial<SimBehaviour>;
  /** Share a simulator instance (tests read its tasks directly). */
  simulator?: RobotSimulator;
  /** Signs the callbacks of tasks created with a callback_url (X-RPA-Signature). */
  callbackSecret?: string;
}

@Module({})
export class RobotSimModule {
  static register(options: RobotSimOptions = {}): DynamicModule {
    return {
      module: RobotSimModule,
      controllers: [SimController],
      providers: [
        {
          provide: RobotSimulator,
          useValue: options.simulator ?? new RobotSimulator(options.defaults),
        },
        { provide: SIM_ACCESS_TOKEN, useValue: options.accessToken ?? '' },
        { provide: SIM_CALLBACK_SECRET, useValue: options.callbackSecret ?? '' },
        SimAuthGuard,
        SimCallbacks,
      ],
      exports: [RobotSimulator, SimCallbacks],
    };
  }
}
