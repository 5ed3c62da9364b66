import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AppConfig, AppException } from '@app/common';
import { ACTIVE_STATUSES, ExecutionEntity } from './entities/execution.entity';

/**
 * MAX_ACTIVE_EXECUTIONS_PER_USER, checked with a COUNT on the shared database so it holds
 * across processes (the status index keeps it cheap: only active rows are read). Accepted
 * race: starts of one user that run at the same instant may each see room for one more, so
 * the cap can be passed by the number of such simultaneous starts, never by more.
 */
@Injectable()
export class ActiveExecutionCap {
  constructor(
    @InjectRepository(ExecutionEntity) private readonly executions: Repository<ExecutionEntity>,
    private readonly config: AppConfig,
  ) {}

  async check(userId: string): Promise<void> {
    const cap = this.config.limits.maxActivePerUser;
    if (cap <= 0) return;
    const active = await this.executions.count({
      where: { user_id: userId, status: In([...ACTIVE_STATUSES]) },
    });
    if (active >= cap) {
      throw new AppException(
        'RATE_LIMITED',
        `Too many active executions: ${active} PENDING or RUNNING (limit ${cap}); ` +
          'start again when one has ended',
      );
    }
  }
}
