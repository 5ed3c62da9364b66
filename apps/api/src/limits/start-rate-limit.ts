import { ExecutionContext, Injectable, UseGuards, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiResponse } from '@nestjs/swagger';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { AppConfig, AppException, PRINCIPAL, Principal } from '@app/common';

/**
 * The one throttler: starts of executions, per API key, shared by every start route. Named
 * `default` so its headers are the plain X-RateLimit-Limit / -Remaining / -Reset.
 */
export const START_THROTTLER = 'default';
export const START_WINDOW_MS = 60_000;

/** Whose budget a start uses: the API key's, else (trusted user header) the user's. */
export function startTracker(principal: Principal | undefined, fallback = 'anonymous'): string {
  if (principal?.keyId !== undefined) return `start:key:${principal.keyId}`;
  if (principal?.userId) return `start:user:${principal.userId}`;
  return `start:ip:${fallback}`;
}

export function rateLimited(retryAfterSeconds: number): AppException {
  const seconds = Math.max(1, retryAfterSeconds);
  return new AppException(
    'RATE_LIMITED',
    `Too many executions started with this API key; retry in ${seconds} s`,
    undefined,
    { 'Retry-After': String(seconds) },
  );
}

/**
 * RATE_LIMIT_START_PER_MINUTE on the start routes (HTTP). Runs after the global AuthGuard,
 * so the principal is known; the key ignores the route, so all start routes share one
 * budget per key, in Redis across processes (RedisThrottlerStorage).
 */
@Injectable()
export class StartThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http' || this.config.limits.startPerMinute <= 0;
  }

  protected override async getTracker(req: Record<string | symbol, unknown>): Promise<string> {
    return startTracker(req[PRINCIPAL] as Principal | undefined, String(req.ip ?? 'unknown'));
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw rateLimited(detail.timeToBlockExpire);
  }
}

/** Marks a route that starts executions: 429 RATE_LIMITED past the per-key budget. */
export const StartRateLimit = () =>
  applyDecorators(
    UseGuards(StartThrottlerGuard),
    ApiResponse({
      status: 429,
      description:
        'RATE_LIMITED: too many starts with this key (Retry-After), or too many active executions',
    }),
  );

/** The same budget for callers outside HTTP routes (MCP tool calls). */
@Injectable()
export class StartRateLimiter {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  /** Counts one start for `principal`; throws RATE_LIMITED (429) past the budget. */
  async consume(principal: Principal): Promise<void> {
    const limit = this.config.limits.startPerMinute;
    if (limit <= 0) return;
    const record = await this.storage.increment(
      startTracker(principal),
      START_WINDOW_MS,
      limit,
      START_WINDOW_MS,
      START_THROTTLER,
    );
    if (record.isBlocked) throw rateLimited(record.timeToBlockExpire);
  }
}
