import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ExecutionEventLog } from './execution-event.log';
import { ExecutionRepository } from './execution.repository';

export interface PruneReport {
  cutoff: string;
  executions: number;
  logs: number;
  batches: number;
}

/**
 * Retention (docs/run-control.md): ended executions older than EXECUTION_RETENTION_DAYS go, with their
 * log lines and stored events, in batches of RETENTION_BATCH_SIZE so that no statement locks
 * much at once. Running executions are never touched.
 */
@Injectable()
export class ExecutionRetention {
  private readonly logger = new Logger(ExecutionRetention.name);

  constructor(
    private readonly executions: ExecutionRepository,
    private readonly events: ExecutionEventLog,
    private readonly config: AppConfig,
  ) {}

  async prune(now = new Date()): Promise<PruneReport> {
    const { days, batchSize } = this.config.retention;
    const cutoff = new Date(now.getTime() - days * 24 * 3600 * 1000);
    const report: PruneReport = {
      cutoff: cutoff.toISOString(),
      executions: 0,
      logs: 0,
      batches: 0,
    };
    for (;;) {
      const ids = await this.executions.endedBefore(cutoff, batchSize);
      if (ids.length === 0) break;
      const deleted = await this.executions.deleteEnded(ids);
      await this.events.remove(ids);
      report.logs += deleted.logs;
      report.executions += deleted.executions;
      report.batches++;
      if (ids.length < batchSize) break;
    }
    if (report.executions) {
      this.logger.log(
        `Pruned ${report.executions} executions and ${report.logs} log lines ended before ${report.cutoff}`,
      );
    }
    return report;
  }
}
