import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { Subscription as RxSubscription, filter } from 'rxjs';
import { AppException } from '@app/common';
import { ExecutionDto } from '../execution/dto/execution.response';
import { ExecutionEntity } from '../execution/entities/execution.entity';
import { ExecutionEvent, isFinalEvent } from '../execution/execution.events';
import { ExecutionEventBus } from '../execution/execution-event-bus.service';
import { ExecutionService } from '../execution/execution.service';
import { WebhookPayload, isWebhookEventType } from './webhook.constants';
import { NewDelivery, WebhookOutbox } from './webhook-outbox.service';
import { WebhookSubscriptions } from './webhook-subscriptions.service';
import { deterministicUuid } from './webhook-signature';

/**
 * Turns execution events into deliveries: to each of the owner's webhooks subscribed to the
 * event's type, and, for a run's final event, to its callback_url.
 *
 * Every process receives every event (ExecutionEventBus), and every process handles it: the
 * event id and delivery ids are derived from (execution, type, target), so N processes write
 * the same delivery row and the same BullMQ job id, which yields one delivery. This keeps
 * events that api processes publish (created, cancelled) deliverable while no worker is up,
 * and a process that misses a Redis message does not lose the delivery as long as another one
 * saw it. The cost per event and process is one cached lookup; a MySQL read of the execution
 * only when something is to be delivered.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private subscription?: RxSubscription;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly bus: ExecutionEventBus,
    private readonly executions: ExecutionService,
    private readonly subscriptions: WebhookSubscriptions,
    private readonly outbox: WebhookOutbox,
  ) {}

  onModuleInit(): void {
    this.subscription = this.bus.events$
      .pipe(filter((event) => isWebhookEventType(event.type)))
      .subscribe((event) => this.track(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async dispatch(event: ExecutionEvent): Promise<void> {
    const final = isFinalEvent(event);
    const hooks = (await this.subscriptions.forUser(event.user_id)).filter((hook) =>
      hook.events.includes(event.type),
    );
    if (!hooks.length && !final) return;
    const execution = await this.findExecution(event.execution_id);
    if (!execution) return;
    const targets = hooks.map((hook) => ({ webhookId: hook.id as string | null, url: hook.url }));
    if (final && execution.callback_url) {
      targets.push({ webhookId: null, url: execution.callback_url });
    }
    if (!targets.length) return;

    const eventId = deterministicUuid(`event:${event.execution_id}:${event.type}`);
    const payload: WebhookPayload = {
      id: eventId,
      type: event.type,
      created_at: event.ts,
      data: { execution: ExecutionDto.from(execution) },
    };
    const body = JSON.stringify(payload);
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
    await this.outbox.post(rows);
  }

  private track(event: ExecutionEvent): void {
    const work = this.dispatch(event)
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
