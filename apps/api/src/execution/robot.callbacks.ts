import { Injectable } from '@nestjs/common';
import { AppConfig, AppException, verifySignature } from '@app/common';
import { RobotCallbackAckDto } from './dto/robot-callback.response';
import { isFinal } from './entities/execution.entity';
import { ExecutionRepository } from './execution.repository';
import { callbackTokenValid } from './robot/robot-callback-token';
import { TaskSettlement } from './task.settlement';

export interface RobotCallback {
  executionId: string;
  token?: string;
  signature?: string;
  rawBody?: Buffer;
  body: unknown;
}

/** The robot's id of the task the event is about: the run's `data.execution.id` (§ webhooks). */
function eventTaskId(body: unknown): string | undefined {
  const execution = (body as { data?: { execution?: { id?: unknown } } } | null)?.data?.execution;
  const id = execution?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * A robot service that is another instance of this service calls back when a task ends
 * (docs/robot-service.md). A callback is only ever taken as "look now": once verified (the URL
 * token names this run of this user; X-RPA-Signature too when ROBOT_CALLBACK_SIGNING_SECRET
 * is set; the event is about this run's task) the run's next step queries the robot at once,
 * and the run ends from the robot's answer, never from the callback's body.
 */
@Injectable()
export class RobotCallbacks {
  constructor(
    private readonly store: ExecutionRepository,
    private readonly settlement: TaskSettlement,
    private readonly config: AppConfig,
  ) {}

  async receive(callback: RobotCallback): Promise<RobotCallbackAckDto> {
    const execution = await this.store.findById(callback.executionId);
    if (!execution) {
      throw new AppException('EXECUTION_NOT_FOUND', `Execution ${callback.executionId} not found`);
    }
    const { callbackTokenKey, callbackSigningSecret } = this.config.robot;
    const tokenOk =
      callback.token !== undefined &&
      callbackTokenValid(callbackTokenKey, execution.user_id, execution.id, callback.token);
    if (!tokenOk) throw new AppException('UNAUTHENTICATED', 'Invalid or missing callback token');
    if (callbackSigningSecret) {
      const signed =
        callback.signature !== undefined &&
        callback.rawBody !== undefined &&
        verifySignature(
          callbackSigningSecret,
          callback.rawBody.toString('utf8'),
          callback.signature,
        );
      if (!signed) throw new AppException('UNAUTHENTICATED', 'Invalid or missing X-RPA-Signature');
    }
    const taskId = eventTaskId(callback.body);
    // Before the task id is stored the first step queries the robot anyway.
    if (execution.robot_task_id !== null && taskId !== execution.robot_task_id) {
      throw new AppException('FORBIDDEN', 'The event is about another robot task than this run’s');
    }
    const looking = !isFinal(execution.status);
    if (looking) await this.settlement.nudge(execution.id);
    return { execution_id: execution.id, status: execution.status, looking };
  }
}
