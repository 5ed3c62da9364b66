import { ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig, AppException, PRINCIPAL, Principal, SCOPES, Scope } from '@app/common';
import { RedisThrottlerStorage } from './redis-throttler.storage';

export const START_WINDOW_MS = 60_000;
/** The throttler name in the Redis keys (`<prefix>:throttle:default:<tracker>:…`). */
const START_THROTTLER = 'default';

/** What a spent budget has left, for the X-RateLimit-* headers. */
export interface StartBudgetState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * The per-key start budget one start request draws from. Every start path builds one
 * (HTTP routes through @StartBudgetOf(), MCP from its caller, schedules for their owner) and
 * ExecutionService.start spends it, so no start path can skip the limit. A budget is spent
 * once: a route that must refuse early (before its stream opens) spends it itself and the
 * start that follows does not count again. It also carries the starter's scopes, which bound
 * what the start may ask for (a priority above the default needs `manage`).
 */
export class StartBudget {
  spent = false;

  private constructor(
    /** Whose counter: `start:key:<id>`, else `start:user:<id>` (trusted header, schedules). */
    readonly tracker: string,
    /** Names the budget in the refusal: "with this API key", "by this user". */
    readonly by: string,
    readonly scopes: readonly Scope[],
    readonly report?: (state: StartBudgetState) => void,
  ) {}

  /** The budget of whoever authenticated: the API key, else the user. */
  static of(principal: Principal, report?: (state: StartBudgetState) => void): StartBudget {
    return principal.keyId !== undefined
      ? new StartBudget(
          `start:key:${principal.keyId}`,
          'with this API key',
          principal.scopes,
          report,
        )
      : new StartBudget(`start:user:${principal.userId}`, 'by this user', principal.scopes, report);
  }

  /**
   * A schedule's ticks start runs as the schedule's owner, with no key at hand: they spend
   * that user's budget (the one the user's header-authenticated requests spend), so however
   * often a schedule fires, its owner's starts stay within RATE_LIMIT_START_PER_MINUTE.
   * Its scopes are all of them: creating a schedule (and so choosing its priority) already
   * needed `manage`.
   */
  static ofUser(userId: string): StartBudget {
    return new StartBudget(`start:user:${userId}`, 'by this user', SCOPES);
  }
}

export function rateLimited(by: string, retryAfterSeconds: number): AppException {
  const seconds = Math.max(1, retryAfterSeconds);
  return new AppException(
    'RATE_LIMITED',
    `Too many executions started ${by}; retry in ${seconds} s`,
    undefined,
    { 'Retry-After': String(seconds) },
  );
}

/**
 * RATE_LIMIT_START_PER_MINUTE: one fixed window per tracker, counted in Redis (atomic Lua),
 * so the limit holds across every process. Past it the tracker is refused for a minute.
 */
@Injectable()
export class StartRateLimiter {
  constructor(
    private readonly storage: RedisThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  /** Spends one start of `budget` (once); throws RATE_LIMITED (429) past the limit. */
  async spend(budget: StartBudget): Promise<void> {
    const limit = this.config.limits.startPerMinute;
    if (limit <= 0 || budget.spent) return;
    budget.spent = true;
    const record = await this.storage.increment(
      budget.tracker,
      START_WINDOW_MS,
      limit,
      START_WINDOW_MS,
      START_THROTTLER,
    );
    if (record.isBlocked) throw rateLimited(budget.by, record.timeToBlockExpire);
    budget.report?.({
      limit,
      remaining: Math.max(0, limit - record.totalHits),
      resetSeconds: record.timeToExpire,
    });
  }
}

/**
 * The caller's start budget on an HTTP route; spending it sets X-RateLimit-Limit,
 * -Remaining and -Reset on the answer.
 */
export const StartBudgetOf = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): StartBudget => {
    const http = ctx.switchToHttp();
    const principal = http.getRequest<Record<symbol, Principal>>()[PRINCIPAL];
    const res = http.getResponse<Response>();
    return StartBudget.of(principal, (state) => {
      if (res.headersSent) return;
      res.setHeader('X-RateLimit-Limit', String(state.limit));
      res.setHeader('X-RateLimit-Remaining', String(state.remaining));
      res.setHeader('X-RateLimit-Reset', String(state.resetSeconds));
    });
  },
);
