import type { RedisService } from './redis.service';

/**
 * For unit specs: the publish/subscribe part of RedisService in one process, so that a cache
 * or service hears its own announcements as it would over Redis. Never used by the service.
 */
export class InProcessRedis {
  private readonly handlers = new Map<string, (message: string) => void>();
  readonly resubscribeListeners: Array<() => void> = [];
  readonly published: Array<[string, string]> = [];
  /** While set, publish rejects as it does when Redis is away. */
  failPublish = false;

  get asService(): RedisService {
    return this as unknown as RedisService;
  }

  async subscribe(channel: string, handler: (message: string) => void) {
    this.handlers.set(channel, handler);
    return async () => {
      this.handlers.delete(channel);
    };
  }

  onResubscribe(listener: () => void) {
    this.resubscribeListeners.push(listener);
    return () => this.resubscribeListeners.splice(this.resubscribeListeners.indexOf(listener), 1);
  }

  async publish(channel: string, message: string) {
    if (this.failPublish) throw new Error('Redis is unavailable');
    this.published.push([channel, message]);
    this.deliver(channel, message);
  }

  /** A message as another process would publish it. */
  deliver(channel: string, message: string) {
    this.handlers.get(channel)?.(message);
  }
}
