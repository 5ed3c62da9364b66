import { createHmac, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { RobotSimulator, SimStatus } from '@app/robot-sim';

export const SIM_CALLBACK_SECRET = Symbol('SIM_CALLBACK_SECRET');

const EVENT_TYPES: Record<Exclude<SimStatus, 'RUNNING'>, string> = {
  COMPLETED: 'execution.completed',
  FAILED: 'execution.failed',
  CANCELLED: 'execution.cancelled',
};

const ATTEMPTS = 3;
const MAX_REMEMBERED = 200_000;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as docs/webhooks.md describes. */
function signature(secret: string, body: string): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * A task created with a `callback_url` reports its end there, as this service's per-run
 * callbacks do (docs/webhooks.md): `{id, type, created_at, data: {execution: {id, status}}}`,
 * signed with X-RPA-Signature when SIM_CALLBACK_SECRET is set. A task that hangs never ends
 * on its own and sends nothing; a failed delivery is tried again twice.
 */
@Injectable()
export class SimCallbacks implements OnApplicationShutdown {
  private readonly logger = new Logger(SimCallbacks.name);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** When each task's callback was sent, and answered with a 2xx: benchmarks read them. */
  readonly deliveredAt = new Map<string, { sentAt: number; answeredAt: number }>();

  constructor(
    private readonly sim: RobotSimulator,
    @Inject(SIM_CALLBACK_SECRET) private readonly secret: string,
  ) {}

  onApplicationShutdown(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  schedule(taskId: string, url: string): void {
    const task = this.sim.snapshot(taskId);
    if (!task || task.behaviour.hang || this.timers.has(taskId)) return;
    const endsIn = Math.max(1, task.createdAt + task.behaviour.delay_ms - Date.now() + 1);
    this.arm(taskId, url, endsIn, 1);
  }

  private arm(taskId: string, url: string, ms: number, attempt: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(taskId);
      void this.deliver(taskId, url, attempt);
    }, ms);
    this.timers.set(taskId, timer);
  }

  private async deliver(taskId: string, url: string, attempt: number): Promise<void> {
    const status = this.sim.status(taskId);
    if (!status) return;
    if (status === 'RUNNING') {
      // A timer may fire a millisecond before the task's end by the clock: wait for it.
      this.schedule(taskId, url);
      return;
    }
    const body = JSON.stringify({
      id: randomUUID(),
      type: EVENT_TYPES[status],
      created_at: new Date().toISOString(),
      data: { execution: { id: taskId, status } },
    });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.secret) {
      headers['x-rpa-signature'] = signature(this.secret, body);
    }
    const sentAt = Date.now();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      if (res.ok) {
        if (this.deliveredAt.size >= MAX_REMEMBERED) this.deliveredAt.clear();
        this.deliveredAt.set(taskId, { sentAt, answeredAt: Date.now() });
        return;
      }
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      if (attempt >= ATTEMPTS) {
        this.logger.warn(`Callback for task ${taskId} failed: ${(err as Error).message}`);
        return;
      }
      this.arm(taskId, url, 1000 * 2 ** (attempt - 1), attempt + 1);
    }
  }
}
