import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig, ProcessorWorkerOptions, configuredProcessor } from '@app/common';
import { ExecutionModule } from '../execution';
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

/**
 * Schedules (docs/webhooks.md) on BullMQ job schedulers, on top of the workflow and execution
 * services. Every role keeps the job schedulers in step with changes it makes (and with
 * workflow events it sees); ScheduleHttpModule adds the routes, ScheduleWorkerModule processes
 * ticks and re-syncs from MySQL.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ScheduleEntity]),
    BullModule.registerQueue({ name: SCHEDULE_QUEUE }),
    WorkflowModule,
    ExecutionModule,
  ],
  providers: [ScheduleRepository, ScheduleService, ScheduleQueue],
  exports: [ScheduleRepository, ScheduleService, ScheduleQueue],
})
export class ScheduleModule {}

/** The schedule routes: api role. */
@Module({
  imports: [ScheduleModule],
  controllers: [ScheduleController],
})
export class ScheduleHttpModule {}

/** A tick a crashed worker held is taken up again within seconds (its start is idempotent). */
function scheduleWorkerOptions(config: AppConfig): ProcessorWorkerOptions {
  return {
    concurrency: 10,
    lockDuration: config.execution.lockMs,
    stalledInterval: config.execution.stalledIntervalMs,
    maxStalledCount: 3,
  };
}

/** Worker role: runs the ticks and re-syncs the job schedulers from MySQL. */
@Module({})
export class ScheduleWorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: ScheduleWorkerModule,
      imports: [ScheduleModule, WorkflowModule, ExecutionModule],
      providers: [
        ScheduleTickRunner,
        configuredProcessor(ScheduleProcessor, SCHEDULE_QUEUE, scheduleWorkerOptions(config)),
        ScheduleResync,
      ],
    };
  }
}
