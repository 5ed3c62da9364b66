import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RedisService } from '@app/common';
import { RobotClient } from '../execution/robot/robot-client';

export type Check = { status: 'up' | 'down'; latency_ms: number; error?: string };

const CHECK_TIMEOUT_MS = 1500;

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { status: 'up', latency_ms: Date.now() - started };
  } catch (err) {
    return { status: 'down', latency_ms: Date.now() - started, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

@Injectable()
export class HealthService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly redis: RedisService,
    @Optional() private readonly robot?: RobotClient,
  ) {}

  async readiness(): Promise<{ ready: boolean; checks: Record<string, Check> }> {
    const [mysql, redis, robot] = await Promise.all([
      timed(() => this.db.query('SELECT 1')),
      timed(async () => {
        // A PING sent while disconnected would only wait in the offline queue.
        const { status } = this.redis.client;
        if (status !== 'ready') throw new Error(`connection is ${status}`);
        if ((await this.redis.client.ping()) !== 'PONG') throw new Error('unexpected PING answer');
      }),
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
