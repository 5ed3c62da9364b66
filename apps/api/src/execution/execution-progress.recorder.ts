import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import { ExecutionEventBus } from './execution-event.bus';
import { ExecutionEvents } from './execution-event.factory';
import { ExecutionRepository } from './execution.repository';
import { RobotTaskState } from './robot/robot-client';

/** What a running task reports on its way: progress and log lines, stored and announced. */
@Injectable()
export class ExecutionProgressRecorder {
  constructor(
    private readonly executions: ExecutionRepository,
    private readonly bus: ExecutionEventBus,
    private readonly config: AppConfig,
  ) {}

  async progress(execution: ExecutionEntity, progress: number): Promise<void> {
    await this.executions.transition(execution.id, [ExecutionStatus.Running], { progress });
    await this.bus.publish(ExecutionEvents.progress(execution, progress));
  }

  /** Stores new robot log lines (at most EXECUTION_LOG_LIMIT per run) and announces them. */
  async logs(execution: ExecutionEntity, state: RobotTaskState, seen: number): Promise<number> {
    const fresh = state.logs.slice(seen);
    if (fresh.length === 0) return seen;
    const limit = this.config.execution.logLimit;
    const rows = fresh
      .map((line, i) => ({
        execution_id: execution.id,
        seq: seen + i + 1,
        level: (line.level ?? 'info').slice(0, 10),
        message: line.message.slice(0, 8000),
      }))
      .filter((row) => row.seq <= limit);
    if (rows.length) {
      await this.executions.appendLogs(rows);
      for (const row of rows) {
        await this.bus.publish(ExecutionEvents.log(execution, row));
      }
    }
    return seen + fresh.length;
  }

  /** How many lines a resumed run already stored. */
  async storedLogCount(executionId: string): Promise<number> {
    return this.executions.lastLogSeq(executionId);
  }
}
