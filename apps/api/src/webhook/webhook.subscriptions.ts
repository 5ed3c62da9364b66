import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { RedisService, SharedCache } from '@app/common';
import { webhookEvents } from './entities/webhook.entity';
import { WEBHOOKS_CHANGED_CHANNEL } from './webhook.constants';
import { WebhookRepository } from './webhook.repository';

export interface Subscription {
  id: string;
  url: string;
  events: string[];
}

const TTL_MS = 60_000;
const MAX_USERS = 10_000;

/**
 * Which webhooks each user has, cached per process: every process sees every execution event,
 * and most users have no webhook, so asking MySQL each time would cost a query per event per
 * process. A change is announced on Redis and drops the entry everywhere; it travels on the
 * same subscriber connection as execution events, so a run started after a webhook was created
 * is seen after the invalidation. The TTL only bounds the damage of a lost message.
 */
@Injectable()
export class WebhookSubscriptions implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookSubscriptions.name);
  /** user id → the user's webhooks. */
  private readonly cache: SharedCache<Subscription[]>;

  constructor(
    private readonly webhooks: WebhookRepository,
    redis: RedisService,
  ) {
    this.cache = new SharedCache(redis, {
      channel: WEBHOOKS_CHANGED_CHANNEL,
      ttlMs: TTL_MS,
      negativeTtlMs: 0,
      maxEntries: MAX_USERS,
    });
  }

  onModuleInit(): Promise<void> {
    return this.cache.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.cache.stop();
  }

  async forUser(userId: string): Promise<Subscription[]> {
    const subscriptions = await this.cache.get(userId, async () => {
      const rows = await this.webhooks.subscriptionsOf(userId);
      return rows.map((w) => ({ id: w.id, url: w.url, events: webhookEvents(w) }));
    });
    return subscriptions ?? [];
  }

  /** Tells every process (this one at once) that a user's webhooks changed. */
  async changed(userId: string): Promise<void> {
    await this.cache
      .announce([userId])
      .catch((err: Error) =>
        this.logger.warn(`Could not announce a webhook change: ${err.message}`),
      );
  }
}
