import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { Subscription as RxSubscription } from 'rxjs';
import { AppException, RedisService } from '@app/common';
import {
  ExecutionEntity,
  ExecutionEvent,
  ExecutionEventBus,
  ExecutionService,
  isFinalEvent,
} from '../execution';
import { executionPayload } from './dto/webhook-payload';
import { WEBHOOK_EVENT_TYPES } from './webhook.constants';
import { NewDelivery } from './webhook-delivery.repository';
import { WebhookOutbox } from './webhook.outbox';
import { WebhookSubscriptions } from './webhook.subscriptions';
import { deterministicUuid } from './webhook-signature';

/** How long the other processes wait before doing the work of a claimer that went silent. */
const TAKEOVER_MS = 5_000;
const CLAIM_TTL_MS = 60_000;

/**
 * Turns execution events into deliveries: to each of the owner's webhooks subscribed to the
 * event's type, and, for a run's final event, to its callback_url.
 *
 * Every process receives every event (ExecutionEventBus), api and worker roles alike, so that
 * events api processes publish (created, cancelled) are delivered while no worker is up, and
 * a process that misses a Redis message loses nothing as long as another one saw it. Which one
 * does the work:
 * - the event id and the delivery ids are derived from (execution, type, target), so any
 *   number of processes write the same delivery row and the same BullMQ job id: one delivery;
 * - to spare MySQL N-fold work, the first process to claim the event in Redis (SET NX) does it
 *   and marks it done; the others check after TAKEOVER_MS and do it themselves if the claimer
 *   died or failed (harmless if it was merely slow: the ids make it a no-op).
 * An event with nothing to deliver (no subscribed webhook, not a final event) costs one cached
 * lookup and no Redis or MySQL round trip.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private subscription?: RxSubscription;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly takeovers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly bus: ExecutionEventBus,
    private readonly executions: ExecutionService,
    private readonly subscriptions: WebhookSubscriptions,
    private readonly outbox: WebhookOutbox,
    private readonly redis: RedisService,
  ) {}

  onModuleInit(): void {
    this.subscription = this.bus.on(WEBHOOK_EVENT_TYPES, (event) => this.track(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    for (const timer of this.takeovers) clearTimeout(timer);
    this.takeovers.clear();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Claims the event, or leaves it to the claimer and checks on it later. */
  async handle(event: ExecutionEvent): Promise<void> {
    if (!(await this.mayDeliver(event))) return;
    const claim = `webhooks:dispatch:${eventIdOf(event)}`;
    if (await this.redis.claim(claim, process.pid, CLAIM_TTL_MS)) {
      await this.dispatch(event);
      await this.redis.setFor(claim, 'done', CLAIM_TTL_MS);
      return;
    }
    const timer = setTimeout(() => {
      this.takeovers.delete(timer);
      this.track(event, async () => {
        if ((await this.redis.get(claim)) === 'done') return;
        this.logger.warn(`Taking over the webhooks of ${event.type} of ${event.execution_id}`);
        await this.dispatch(event);
        await this.redis.setFor(claim, 'done', CLAIM_TTL_MS);
      });
    }, TAKEOVER_MS);
    timer.unref();
    this.takeovers.add(timer);
  }

  /** Writes the event's deliveries and queues them (idempotent). */
  async dispatch(event: ExecutionEvent): Promise<void> {
    const hooks = await this.subscribed(event);
    const final = isFinalEvent(event);
    if (!hooks.length && !final) return;
    const execution = await this.findExecution(event.execution_id);
    if (!execution) return;
    const targets = hooks.map((hook) => ({ webhookId: hook.id as string | null, url: hook.url }));
    if (final && execution.callback_url) {
      targets.push({ webhookId: null, url: execution.callback_url });
    }
    if (!targets.length) return;

    const eventId = eventIdOf(event);
    const body = JSON.stringify(executionPayload(eventId, event.type, event.ts, execution));
    const rows: NewDelivery[] = targets.map((target) => ({
      id: deterministicUuid(`delivery:${target.webhookId ?? 'callback'}:${eventId}`),
      webhook_id: target.webhookId,
      user_id: event.user_id,
      event_id: eventId,
      event_type: event.type,
      execution_id: event.execution_id,
      url: target.url,
      payload: body,
    }));
    await this.outbox.post(rows, event.trace);
  }

  private async subscribed(event: ExecutionEvent) {
    const hooks = await this.subscriptions.forUser(event.user_id);
    return hooks.filter((hook) => hook.events.includes(event.type));
  }

  /** Most events have nothing to deliver: decided without Redis or MySQL. */
  private async mayDeliver(event: ExecutionEvent): Promise<boolean> {
    if (isFinalEvent(event) && event.has_callback) return true;
    return (await this.subscribed(event)).length > 0;
  }

  private track(event: ExecutionEvent, run = () => this.handle(event)): void {
    const work = run()
      .catch((err: Error) =>
        this.logger.error(
          `Could not queue webhooks for ${event.type} of ${event.execution_id}: ${err.message}`,
        ),
      )
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async findExecution(id: string): Promise<ExecutionEntity | null> {
    try {
      return await this.executions.getAny(id);
    } catch (err) {
      if (err instanceof AppException && err.code === 'EXECUTION_NOT_FOUND') return null;
      throw err;
    }
  }
}

/** The same for every process that sees the event, and for every redelivery of it. */
const eventIdOf = (event: ExecutionEvent): string =>
  deterministicUuid(`event:${event.execution_id}:${event.type}`);
