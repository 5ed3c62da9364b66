import { BullModule, Processor } from '@nestjs/bullmq';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@app/common';
import { WorkflowModule } from '../workflow';
import { ExecutionLogEntity } from './entities/execution-log.entity';
import { ExecutionEntity } from './entities/execution.entity';
import { EXECUTION_QUEUE, MAINTENANCE_QUEUE } from './execution.constants';
import { ExecutionCancellation } from './execution-cancellation.service';
import { ExecutionLegacyController } from './execution-legacy.controller';
import { ExecutionController } from './execution.controller';
import { ExecutionStreamTokenController } from './execution-stream-token.controller';
import { ExecutionEventBus } from './execution-event-bus.service';
import { ExecutionEventLog } from './execution-event-log.service';
import { ExecutionMetricsListener } from './execution-metrics.listener';
import { ExecutionProcessor } from './execution.processor';
import { ExecutionMaintenanceProcessor } from './execution-maintenance.processor';
import { ExecutionQueue } from './execution.queue';
import { ExecutionRepository } from './execution.repository';
import { ExecutionTransitions } from './execution-transitions.service';
import { ActiveExecutionCap } from './active-execution-cap';
import { ExecutionRetention } from './execution-retention.service';
import { ExecutionReconciler } from './execution-reconciler.service';
import { PeriodicReconciliation } from './periodic-reconciliation.service';
import { ExecutionRunner } from './execution-runner.service';
import { RobotPollPacer } from './robot-poll-pacer';
import { RobotCallbackController } from './robot-callback.controller';
import { RobotCallbacks } from './robot-callbacks.service';
import { TaskSettlement } from './task-settlement.service';
import { ExecutionProgressRecorder } from './execution-progress.recorder';
import { ExecutionService } from './execution.service';
import { ExecutionStreamService } from './execution-stream.service';
import { RobotModule } from './robot/robot.module';
import { RpaExecController } from './rpa-exec.controller';
import { RpaExecService } from './rpa-exec.service';
import { WorkflowExecutionController } from './workflow-execution.controller';

/** Worker options come from configuration, so the processor class is decorated here. */
function configuredProcessor(config: AppConfig): Type<ExecutionProcessor> {
  const { concurrency, lockMs, stalledIntervalMs } = config.execution;
  @Processor(EXECUTION_QUEUE, {
    concurrency,
    lockDuration: lockMs,
    stalledInterval: stalledIntervalMs,
    // Resuming a stalled run is safe (it follows the stored task), so allow several.
    maxStalledCount: 10,
  })
  class ConfiguredExecutionProcessor extends ExecutionProcessor {}
  return ConfiguredExecutionProcessor;
}

export interface ExecutionModuleOptions {
  config: AppConfig;
  /** Serve the HTTP routes (api role). */
  http: boolean;
  /** Run the processor (worker role). */
  worker: boolean;
}

@Module({
  imports: [
    TypeOrmModule.forFeature([ExecutionEntity, ExecutionLogEntity]),
    BullModule.registerQueue({ name: EXECUTION_QUEUE }, { name: MAINTENANCE_QUEUE }),
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
  ],
})
export class ExecutionModule {
  static register(options: ExecutionModuleOptions): DynamicModule {
    return {
      module: ExecutionModule,
      controllers: options.http
        ? [
            ExecutionLegacyController,
            ExecutionController,
            ExecutionStreamTokenController,
            WorkflowExecutionController,
            RpaExecController,
            RobotCallbackController,
          ]
        : [],
      providers: [
        ...(options.http ? [ExecutionStreamService, RpaExecService, RobotCallbacks] : []),
        ...(options.worker
          ? [
              ExecutionRunner,
              RobotPollPacer,
              ExecutionProgressRecorder,
              configuredProcessor(options.config),
              ExecutionMaintenanceProcessor,
              PeriodicReconciliation,
            ]
          : []),
      ],
    };
  }
}
