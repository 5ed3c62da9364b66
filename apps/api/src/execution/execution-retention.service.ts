import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { AppConfig } from '@app/common';
import { ExecutionLogEntity } from './entities/execution-log.entity';
import { ExecutionEntity, FINAL_STATUSES } from './entities/execution.entity';
import { ExecutionEventLog } from './execution-event-log.service';

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
    @InjectRepository(ExecutionEntity) private readonly executions: Repository<ExecutionEntity>,
    @InjectRepository(ExecutionLogEntity) private readonly logs: Repository<ExecutionLogEntity>,
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
      const batch = await this.executions.find({
        select: { id: true },
        where: { end_time: LessThan(cutoff), status: In([...FINAL_STATUSES]) },
        order: { end_time: 'ASC' },
        take: batchSize,
      });
      if (batch.length === 0) break;
      const ids = batch.map((e) => e.id);
      const logs = await this.logs.delete({ execution_id: In(ids) });
      const executions = await this.executions.delete({
        id: In(ids),
        status: In([...FINAL_STATUSES]),
      });
      await this.events.remove(ids);
      report.logs += logs.affected ?? 0;
      report.executions += executions.affected ?? 0;
      report.batches++;
      if (batch.length < batchSize) break;
    }
    if (report.executions) {
      this.logger.log(
        `Pruned ${report.executions} executions and ${report.logs} log lines ended before ${report.cutoff}`,
      );
    }
    return report;
  }
}
