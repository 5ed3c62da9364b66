import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkflowModule } from '../workflow';
import { ExecutionLogEntity } from './entities/execution-log.entity';
import { ExecutionEntity } from './entities/execution.entity';
import { EXECUTION_QUEUE, MAINTENANCE_QUEUE } from './execution.constants';
import { ExecutionCancellation } from './execution.cancellation';
import { ExecutionEventBus } from './execution-event.bus';
import { ExecutionEventLog } from './execution-event.log';
import { ExecutionMetricsListener } from './execution-metrics.listener';
import { ExecutionQueue } from './execution.queue';
import { ExecutionRepository } from './execution.repository';
import { ExecutionTransitions } from './execution.transitions';
import { ActiveExecutionCap } from './active-execution-cap';
import { ExecutionRetention } from './execution.retention';
import { ExecutionReconciler } from './execution.reconciler';
import { TaskSettlement } from './task.settlement';
import { ExecutionService } from './execution.service';
import { RobotModule } from './robot/robot.module';

/** Both queues: the worker role's processors inject them too, so the one registration is exported. */
const queues = BullModule.registerQueue({ name: EXECUTION_QUEUE }, { name: MAINTENANCE_QUEUE });

/**
 * Executions as a service, in every role: the start path, the queue, the event bus, transitions,
 * retention and reconciliation. Static, so every module that imports it shares one instance of
 * each (one event bus subscribed once per process). ExecutionHttpModule adds the routes,
 * ExecutionWorkerModule the processors.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ExecutionEntity, ExecutionLogEntity]),
    queues,
    WorkflowModule,
    RobotModule,
  ],
  providers: [
    ExecutionService,
    ExecutionQueue,
    ExecutionEventBus,
    ExecutionEventLog,
    ExecutionRepository,
    ExecutionTransitions,
    ActiveExecutionCap,
    ExecutionCancellation,
    ExecutionRetention,
    ExecutionReconciler,
    ExecutionMetricsListener,
    TaskSettlement,
  ],
  exports: [
    ExecutionService,
    ExecutionQueue,
    ExecutionEventBus,
    ExecutionRetention,
    ExecutionReconciler,
    // For the role modules of this feature.
    ExecutionRepository,
    ExecutionTransitions,
    ExecutionCancellation,
    TaskSettlement,
    RobotModule,
    queues,
  ],
})
export class ExecutionModule {}
