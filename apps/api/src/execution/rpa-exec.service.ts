import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig, AppException, Principal } from '@app/common';
import { SseStreams, StartBudget, StartRateLimiter } from '../limits';
import { legacyRunOptions } from './dto/legacy-start-execution.dto';
import { RpaExecDto } from './dto/rpa-exec.dto';
import { ExecutionEntity, ExecutionStatus, isFinal } from './entities/execution.entity';
import { ExecutionErrorCode } from './execution.constants';
import { ExecutionService } from './execution.service';
import { checkPriorityAllowed } from './start-priority';

/** Final-event codes of docs/robot-service.md. */
export const RpaCode = {
  Success: 0,
  CreateFailed: 55001,
  TaskFailed: 55002,
  Timeout: 55003,
} as const;

export interface RpaFinalEvent {
  code: number;
  message: string;
  sid: string | number | null;
  execution_id: string | null;
  data: Record<string, unknown> | null;
}

/** Maps an ended (or still running) execution to the one final event an engine reads. */
export function rpaFinalEvent(
  execution: ExecutionEntity,
  sid: string | number | null,
): RpaFinalEvent {
  const base = { sid, execution_id: execution.id };
  if (execution.status === ExecutionStatus.Completed) {
    const data = execution.result?.data;
    return {
      ...base,
      code: RpaCode.Success,
      message: 'Success',
      data: data && typeof data === 'object' ? data : {},
    };
  }
  if (!isFinal(execution.status)) {
    return {
      ...base,
      code: RpaCode.Timeout,
      message: 'Timed out waiting for the execution',
      data: null,
    };
  }
  const error = execution.error ?? 'Execution did not complete';
  const code =
    execution.error_code === ExecutionErrorCode.CreateFailed
      ? RpaCode.CreateFailed
      : execution.error_code === ExecutionErrorCode.Timeout
        ? RpaCode.Timeout
        : RpaCode.TaskFailed;
  return { ...base, code, message: error, data: null };
}

/**
 * `POST /rpa/v1/exec`: answers an event stream at once, keeps it alive with comments and
 * ends it with one `data:` line. A client that goes away does not cancel the execution.
 */
@Injectable()
export class RpaExecService {
  constructor(
    private readonly executions: ExecutionService,
    private readonly config: AppConfig,
    private readonly limiter: StartRateLimiter,
    private readonly streams: SseStreams,
  ) {}

  async run(
    principal: Principal,
    budget: StartBudget,
    dto: RpaExecDto,
    requestId: string | undefined,
    res: Response,
  ): Promise<void> {
    const echoSid = dto.sid ?? randomUUID();
    // Past the budget, or asking a priority the key may not, the answer is a plain 429 or
    // 403, before any stream opens.
    await this.limiter.spend(budget);
    checkPriorityAllowed(dto.priority, budget.scopes);
    // The plugin's own stream sends `: ping - <time>` comments; engines may parse them.
    const stream = this.streams.open(principal, res, {
      pingComment: () => `ping - ${new Date().toISOString()}`,
    });
    const gone = new AbortController();
    stream.onClose(() => gone.abort());
    // Shutdown: stop waiting and end with the usual final event (55003 while still running).
    stream.onShutdown(() => gone.abort());

    let execution: ExecutionEntity;
    try {
      ({ execution } = await this.executions.start({
        ...legacyRunOptions(dto, this.config.robot.timeoutMs),
        userId: principal.userId,
        trigger: 'api',
        requestId,
        budget,
      }));
    } catch (err) {
      const message =
        err instanceof AppException ? err.message : 'The execution could not be started';
      stream.send({
        code: RpaCode.CreateFailed,
        message,
        sid: echoSid,
        execution_id: null,
        data: null,
      });
      stream.close();
      return;
    }
    // The run's own limit ends it; the margin lets the final state arrive before we give up.
    const limit = (execution.timeout_ms ?? this.config.robot.timeoutMs) + 30_000;
    const ended = await this.executions.waitForEnd(execution.id, limit, gone.signal);
    if (stream.closed) return;
    stream.send(rpaFinalEvent(ended, echoSid));
    stream.close();
  }
}
