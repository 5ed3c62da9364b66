import { Injectable } from '@nestjs/common';
import { AppConfig, RedisService } from '@app/common';
import { RobotSimulator, SimAnswer, SimTaskSnapshot } from '@app/robot-sim';
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

/** How long a shared task outlives its end: longer than any run follows it. */
const SHARED_TTL_MS = 24 * 3600 * 1000;

/**
 * ROBOT_MODE=simulator: the simulator runs inside this process, no network involved. A run's
 * next step may be taken by another worker process, so every task (and its cancellation) is
 * also written to Redis and adopted from there by a process that does not know it.
 */
@Injectable()
export class SimulatorRobotClient extends RobotClient {
  readonly simulator: RobotSimulator;

  constructor(
    config: AppConfig,
    private readonly redis: RedisService,
  ) {
    super();
    this.simulator = new RobotSimulator(
      { delay_ms: config.robot.simDelayMs },
      Date.now,
      config.robot.simParamsOverrides,
    );
  }

  async createTask(input: RobotTaskInput, ctx: RobotCallContext): Promise<string> {
    const id = unwrap(this.simulator.create(input, ctx.executionId), 'create').executionId;
    await this.share(id);
    return id;
  }

  async getTask(taskId: string): Promise<RobotTaskState> {
    if (!this.settledHere(taskId)) await this.adopt(taskId);
    return parseTaskState(unwrap(this.simulator.query(taskId), 'query').execution);
  }

  async cancelTask(taskId: string): Promise<void> {
    await this.adopt(taskId);
    unwrap(this.simulator.cancel(taskId), 'cancel');
    await this.share(taskId);
  }

  async ping(): Promise<void> {}

  /** Known here and past its end: a cancel elsewhere came too late to change it. */
  private settledHere(taskId: string): boolean {
    const task = this.simulator.snapshot(taskId);
    if (!task || task.behaviour.hang || task.cancelledAt !== null) return false;
    return Date.now() >= task.createdAt + task.behaviour.delay_ms;
  }

  private key(taskId: string): string {
    return `sim:task:${taskId}`;
  }

  private async share(taskId: string): Promise<void> {
    const task = this.simulator.snapshot(taskId);
    if (!task) return;
    const ttl = SHARED_TTL_MS + task.behaviour.delay_ms;
    await this.redis.setFor(this.key(taskId), JSON.stringify(task), ttl);
  }

  private async adopt(taskId: string): Promise<void> {
    const raw = await this.redis.get(this.key(taskId));
    if (raw) this.simulator.adopt(JSON.parse(raw) as SimTaskSnapshot);
  }
}
