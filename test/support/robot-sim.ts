import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { RobotSimulator, SimBehaviour, SimTaskRecord } from '@app/robot-sim';
import { RobotSimModule } from '../../apps/robot-sim/src/robot-sim.module';

export interface TestRobotSim {
  /** Base URL to give the api as ROBOT_BASE_URL. */
  url: string;
  /** The simulator behind the HTTP server, shared so tests can inspect and steer it. */
  simulator: RobotSimulator;
  /** Every create request the server received, by Idempotency-Key (the execution id). */
  createCalls: Map<string, number>;
  /** Every query the server received, by task id. */
  queryCalls: Map<string, number>;
  /** The callback_url each create carried, by Idempotency-Key (the execution id). */
  callbackUrls: Map<string, string>;
  /** GET /sim/tasks over HTTP, as a benchmark or another process would read it. */
  tasks(): Promise<SimTaskRecord[]>;
  /** One task by id (from the shared instance). */
  task(taskId: string): SimTaskRecord | undefined;
  close(): Promise<void>;
}

/**
 * The robot simulator of apps/robot-sim as a real HTTP server in this process, on a random
 * port. Api processes (in-process or spawned) reach it with ROBOT_MODE=http.
 */
export async function startRobotSim(
  defaults: Partial<SimBehaviour> = {},
  options: { now?: () => number; callbackSecret?: string } = {},
): Promise<TestRobotSim> {
  const simulator = new RobotSimulator({ delay_ms: 50, ...defaults }, options.now);
  const createCalls = new Map<string, number>();
  const queryCalls = new Map<string, number>();
  const callbackUrls = new Map<string, string>();
  const create = simulator.create.bind(simulator);
  simulator.create = (input, idempotencyKey) => {
    const key = idempotencyKey ?? '';
    createCalls.set(key, (createCalls.get(key) ?? 0) + 1);
    if (typeof input?.callback_url === 'string') callbackUrls.set(key, input.callback_url);
    return create(input, idempotencyKey);
  };
  const query = simulator.query.bind(simulator);
  simulator.query = (taskId) => {
    queryCalls.set(taskId, (queryCalls.get(taskId) ?? 0) + 1);
    return query(taskId);
  };

  const app = await NestFactory.create<NestExpressApplication>(
    RobotSimModule.register({ simulator, callbackSecret: options.callbackSecret }),
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    url,
    simulator,
    createCalls,
    queryCalls,
    callbackUrls,
    tasks: () => simTasks(url),
    task: (taskId) => simulator.list().find((t) => t.task_id === taskId),
    close: () => app.close(),
  };
}

/** Every task a robot simulator (this one or a spawned one) holds: GET /sim/tasks. */
export async function simTasks(baseUrl: string): Promise<SimTaskRecord[]> {
  const res = await fetch(`${baseUrl}/sim/tasks`);
  const body = (await res.json()) as { data: { tasks: SimTaskRecord[] } };
  return body.data.tasks;
}

/** Environment that points an api process at a test simulator over HTTP. */
export function robotHttpEnv(sim: { url: string }): Record<string, string> {
  return { ROBOT_MODE: 'http', ROBOT_BASE_URL: sim.url };
}

/** A clock for the simulator that can stand still, so tasks cannot end while it is paused. */
export class PausableClock {
  private pausedAt: number | null = null;
  private offset = 0;

  readonly now = (): number => this.pausedAt ?? Date.now() + this.offset;

  pause(): void {
    this.pausedAt ??= this.now();
  }

  /** Resumes, moving time forward by `skipMs` from the moment it was paused. */
  resume(skipMs = 0): void {
    if (this.pausedAt === null) return;
    this.offset = this.pausedAt + skipMs - Date.now();
    this.pausedAt = null;
  }
}
