import { BullModule, Processor } from '@nestjs/bullmq';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@app/common';
import { WorkflowModule } from '../workflow';
import { ScheduleEntity } from './entities/schedule.entity';
import { SCHEDULE_QUEUE } from './schedule.constants';
import { ScheduleController } from './schedule.controller';
import { ScheduleProcessor } from './schedule.processor';
import { ScheduleQueue } from './schedule.queue';
import { ScheduleRepository } from './schedule.repository';
import { ScheduleResync } from './schedule.resync';
import { ScheduleService } from './schedule.service';
import { ScheduleTickRunner } from './schedule-tick.runner';

/** A tick a crashed worker held is taken up again within seconds (its start is idempotent). */
function configuredProcessor(config: AppConfig): Type<ScheduleProcessor> {
  @Processor(SCHEDULE_QUEUE, {
    concurrency: 10,
    lockDuration: config.execution.lockMs,
    stalledInterval: config.execution.stalledIntervalMs,
    maxStalledCount: 3,
  })
  class ConfiguredScheduleProcessor extends ScheduleProcessor {}
  return ConfiguredScheduleProcessor;
}

export interface ScheduleModuleOptions {
  config: AppConfig;
  http: boolean;
  worker: boolean;
  /** The application's ExecutionModule (the same dynamic module instance, not a second one). */
  execution: DynamicModule;
}

/**
 * Schedules (docs/webhooks.md) on BullMQ job schedulers, on top of the workflow and execution
 * services. Every role keeps the job schedulers in step with changes it makes (and with
 * workflow events it sees); worker roles process ticks and re-sync from MySQL.
 */
@Module({})
export class ScheduleModule {
  static register(options: ScheduleModuleOptions): DynamicModule {
    const worker: Type[] = [
      ScheduleTickRunner,
      configuredProcessor(options.config),
      ScheduleResync,
    ];
    return {
      module: ScheduleModule,
      imports: [
        TypeOrmModule.forFeature([ScheduleEntity]),
        BullModule.registerQueue({ name: SCHEDULE_QUEUE }),
        WorkflowModule,
        options.execution,
      ],
      controllers: options.http ? [ScheduleController] : [],
      providers: [
        ScheduleRepository,
        ScheduleService,
        ScheduleQueue,
        ...(options.worker ? worker : []),
      ],
    };
  }
}
