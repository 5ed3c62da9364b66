import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ProcessorWorkerOptions, configuredProcessor } from '@app/common';
import { EXECUTION_QUEUE } from './execution.constants';
import { ExecutionMaintenanceProcessor } from './execution-maintenance.processor';
import { ExecutionMaintenanceResync } from './execution-maintenance.resync';
import { ExecutionModule } from './execution.module';
import { ExecutionProcessor } from './execution.processor';
import { ExecutionProgressRecorder } from './execution-progress.recorder';
import { ExecutionRunner } from './execution.runner';
import { MaintenanceQueue } from './maintenance.queue';
import { PeriodicReconciliationService } from './periodic-reconciliation.service';
import { RobotPollPacer } from './robot-poll-pacer';

function executionWorkerOptions(config: AppConfig): ProcessorWorkerOptions {
  const { concurrency, lockMs, stalledIntervalMs } = config.execution;
  return {
    concurrency,
    lockDuration: lockMs,
    stalledInterval: stalledIntervalMs,
    // Resuming a stalled run is safe (it follows the stored task), so allow several.
    maxStalledCount: 10,
  };
}

/**
 * Worker role: the processor that follows runs on the robot (worker options from
 * configuration), housekeeping (its job scheduler kept in Redis) and the periodic
 * reconciliation.
 */
@Module({})
export class ExecutionWorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: ExecutionWorkerModule,
      imports: [ExecutionModule],
      providers: [
        ExecutionRunner,
        RobotPollPacer,
        ExecutionProgressRecorder,
        configuredProcessor(ExecutionProcessor, EXECUTION_QUEUE, executionWorkerOptions(config)),
        ExecutionMaintenanceProcessor,
        MaintenanceQueue,
        ExecutionMaintenanceResync,
        PeriodicReconciliationService,
      ],
    };
  }
}
