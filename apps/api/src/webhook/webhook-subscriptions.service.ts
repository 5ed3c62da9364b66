import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RedisService } from '@app/common';
import { WebhookEntity, webhookEvents } from './entities/webhook.entity';
import { WEBHOOKS_CHANGED_CHANNEL } from './webhook.constants';

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
  private readonly cache = new Map<string, { subscriptions: Subscription[]; expires: number }>();
  private generation = 0;
  private unsubscribe?: () => Promise<void>;

  constructor(
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    private readonly redis: RedisService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.redis.subscribe(WEBHOOKS_CHANGED_CHANNEL, (userId) =>
      this.forget(userId),
    );
    this.redis.onResubscribe(() => this.forgetAll());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.().catch(() => undefined);
  }

  async forUser(userId: string): Promise<Subscription[]> {
    const cached = this.cache.get(userId);
    if (cached && cached.expires > Date.now()) return cached.subscriptions;
    const generation = this.generation;
    const rows = await this.webhooks.find({
      where: { user_id: userId },
      select: { id: true, url: true, events: true },
    });
    const subscriptions = rows.map((w) => ({ id: w.id, url: w.url, events: webhookEvents(w) }));
    // A change announced while we were reading may not be in `rows`: do not keep them.
    if (generation === this.generation) {
      if (this.cache.size >= MAX_USERS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(userId, { subscriptions, expires: Date.now() + TTL_MS });
    }
    return subscriptions;
  }

  /** Tells every process (this one at once) that a user's webhooks changed. */
  async changed(userId: string): Promise<void> {
    this.forget(userId);
    await this.redis
      .publish(WEBHOOKS_CHANGED_CHANNEL, userId)
      .catch((err: Error) =>
        this.logger.warn(`Could not announce a webhook change: ${err.message}`),
      );
  }

  private forget(userId: string): void {
    this.generation++;
    this.cache.delete(userId);
  }

  private forgetAll(): void {
    this.generation++;
    this.cache.clear();
  }
}
