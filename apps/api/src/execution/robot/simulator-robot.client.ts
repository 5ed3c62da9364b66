import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { RobotSimulator, SimAnswer } from '@app/robot-sim';
import {
  RobotCallContext,
  RobotClient,
  RobotError,
  RobotTaskInput,
  RobotTaskState,
  parseTaskState,
} from './robot-client';

function unwrap<T>(answer: SimAnswer<T>, what: string): T {
  if ('data' in answer) return answer.data;
  throw new RobotError(
    `${what}: HTTP ${answer.status}: ${answer.message}`,
    answer.status >= 500,
    answer.status,
  );
}

/** ROBOT_MODE=simulator: the simulator runs inside this process, no network involved. */
@Injectable()
export class SimulatorRobotClient extends RobotClient {
  readonly simulator: RobotSimulator;

  constructor(config: AppConfig) {
    super();
    this.simulator = new RobotSimulator(
      { delay_ms: config.robot.simDelayMs },
      Date.now,
      config.robot.simParamsOverrides,
    );
  }

  async createTask(input: RobotTaskInput, ctx: RobotCallContext): Promise<string> {
    return unwrap(this.simulator.create(input, ctx.executionId), 'create').executionId;
  }

  async getTask(taskId: string): Promise<RobotTaskState> {
    return parseTaskState(unwrap(this.simulator.query(taskId), 'query').execution);
  }

  async cancelTask(taskId: string): Promise<void> {
    unwrap(this.simulator.cancel(taskId), 'cancel');
  }

  async ping(): Promise<void> {}
}
