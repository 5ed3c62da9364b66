import { Injectable } from '@nestjs/common';
import { AppConfig, RedisService } from '@app/common';

/**
 * Finds the first second at or after ARGV[1] whose count of planned queries is below ARGV[2]
 * and counts one more there; gives up looking ARGV[3] seconds on (the last one then takes it).
 */
const RESERVE = `
local second = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local horizon = tonumber(ARGV[3])
for i = 0, horizon do
  local key = KEYS[1] .. (second + i)
  local n = tonumber(redis.call('GET', key) or '0')
  if n < max or i == horizon then
    redis.call('INCR', key)
    if n == 0 then redis.call('EXPIRE', key, horizon + i + 60) end
    return second + i
  end
end`;

type ReserveCommand = (
  key: string,
  second: number,
  max: number,
  horizon: number,
) => Promise<number>;

/** How far ahead a look is pushed at most when every second is full. */
const HORIZON_S = 600;

/**
 * Plans the next look at a robot task (docs/robot-service.md): spread by ±10 % jitter, and
 * bounded to ROBOT_POLL_RATE_MAX queries per second across every worker process by counting
 * planned looks per second in Redis; a look that finds its second full moves to the next
 * one with room. Never later than the run's deadline.
 */
@Injectable()
export class RobotPollPacer {
  private readonly reserve: ReserveCommand;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    this.reserve = redis.script<ReserveCommand>('rpaPollReserve', 1, RESERVE);
  }

  /** When to look again, about `delayMs` from now; `deadline` is never passed. */
  async plan(delayMs: number, deadline: number): Promise<number> {
    const now = Date.now();
    const wanted = now + delayMs * (0.9 + Math.random() * 0.2);
    if (wanted >= deadline) return deadline;
    const max = this.config.robot.pollRateMax;
    if (max <= 0) return wanted;
    const second = Math.floor(wanted / 1000);
    const granted = Number(
      await this.reserve(this.redis.key('robot', 'polls', ''), second, max, HORIZON_S),
    );
    const at = granted === second ? wanted : granted * 1000 + Math.random() * 1000;
    return Math.min(at, deadline);
  }
}
