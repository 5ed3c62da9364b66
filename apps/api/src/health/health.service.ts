import { Injectable, Optional } from '@nestjs/common';
import { RedisService, withTimeout } from '@app/common';
import { DatabaseProbe } from '../database';
import { RobotClient } from '../execution/robot/robot-client';

export type Check = { status: 'up' | 'down'; latency_ms: number; error?: string };

const CHECK_TIMEOUT_MS = 1500;

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const started = Date.now();
  try {
    await withTimeout(
      probe(),
      CHECK_TIMEOUT_MS,
      () => new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`),
    );
    return { status: 'up', latency_ms: Date.now() - started };
  } catch (err) {
    return { status: 'down', latency_ms: Date.now() - started, error: (err as Error).message };
  }
}

@Injectable()
export class HealthService {
  constructor(
    private readonly db: DatabaseProbe,
    private readonly redis: RedisService,
    @Optional() private readonly robot?: RobotClient,
  ) {}

  async readiness(): Promise<{ ready: boolean; checks: Record<string, Check> }> {
    const [mysql, redis, robot] = await Promise.all([
      timed(() => this.db.ping()),
      timed(() => this.redis.probe()),
      this.robot
        ? timed(() => this.robot?.ping() ?? Promise.resolve())
        : Promise.resolve(undefined),
    ]);
    const checks: Record<string, Check> = { mysql, redis };
    // Reported for operators, never a reason to take the instance out of rotation.
    if (robot) checks.robot = robot;
    return { ready: mysql.status === 'up' && redis.status === 'up', checks };
  }
}
