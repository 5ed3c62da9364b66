import { ReplyError } from 'ioredis';
import { AppException } from '../errors/app.exception';
import { withTimeout } from '../util/with-timeout';

/**
 * How long a request waits for Redis. ioredis queues commands while Redis is away and BullMQ
 * waits for its first connection for ever: without a deadline a request would hang for the
 * whole outage.
 */
export const REDIS_DEADLINE_MS = 3000;

/** Redis did not answer in time (or refused the connection): 503 naming Redis. */
export class RedisUnavailable extends AppException {
  constructor(what: string) {
    super('SERVICE_UNAVAILABLE', `Redis is unavailable (${what}); try again`);
    this.name = 'RedisUnavailable';
  }
}

/**
 * Waits for a Redis operation at most `timeoutMs`. A timeout or a connection error becomes
 * RedisUnavailable; an error Redis itself answered (ReplyError) is a bug and passes as is.
 * The operation is not withdrawn: a command queued during an outage may still run once Redis
 * is back, so callers make sure that late effect is harmless (see ExecutionService.start).
 */
export async function withinRedisDeadline<T>(
  what: string,
  operation: Promise<T>,
  timeoutMs = REDIS_DEADLINE_MS,
): Promise<T> {
  try {
    return await withTimeout(operation, timeoutMs, () => new RedisUnavailable(what));
  } catch (err) {
    if (err instanceof RedisUnavailable || err instanceof ReplyError) throw err;
    if (err instanceof AppException) throw err;
    throw new RedisUnavailable(what);
  }
}
