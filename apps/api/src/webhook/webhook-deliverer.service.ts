import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig, injectTraceHeaders, inSpan, SpanKind } from '@app/common';
import { DeliveryStatus, WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookDeliveryAttemptEntity } from './entities/webhook-delivery-attempt.entity';
import { WebhookHeaders, webhookBackoffMs } from './webhook.constants';
import { WebhookAnswer, postWebhook } from './webhook-http';
import { WebhookSecrets } from './webhook-secrets.service';
import { signPayload } from './webhook-signature';
import { BlockedTargetError, LookupAll } from './webhook-target';

export type AttemptOutcome =
  | { outcome: 'done' }
  | { outcome: 'retry'; reason: string }
  | { outcome: 'failed'; reason: string };

const USER_AGENT = 'RPA-OpenAPI-Webhooks/1.0';
const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/**
 * One HTTP attempt of one delivery: signs the stored body with the target's secret, POSTs it,
 * logs the attempt and moves the delivery on (succeeded, pending with its next attempt time, or
 * failed). A delivery that is gone (its webhook was deleted) or already over is left alone.
 */
@Injectable()
export class WebhookDeliverer {
  private readonly logger = new Logger(WebhookDeliverer.name);
  /** Replaceable in tests; the system resolver otherwise. */
  lookupAll?: LookupAll;

  constructor(
    @InjectRepository(WebhookDeliveryEntity)
    private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectRepository(WebhookDeliveryAttemptEntity)
    private readonly attempts: Repository<WebhookDeliveryAttemptEntity>,
    private readonly secrets: WebhookSecrets,
    private readonly config: AppConfig,
  ) {}

  async attempt(deliveryId: string, attempt: number, maxAttempts: number): Promise<AttemptOutcome> {
    const delivery = await this.deliveries
      .createQueryBuilder('d')
      .addSelect('d.payload')
      .where('d.id = :deliveryId', { deliveryId })
      .getOne();
    if (!delivery || delivery.status !== DeliveryStatus.Pending) return { outcome: 'done' };
    // A job run again after a crash did not count the try it was in; the attempt log did.
    attempt = Math.max(attempt, (await this.loggedAttempts(delivery.id)) + 1);
    const secret =
      delivery.webhook_id === null
        ? await this.secrets.callbackSecret(delivery.user_id)
        : await this.secrets.webhookSecret(delivery.webhook_id);
    if (secret === null) {
      // Its webhook was deleted after the delivery was written (by a stale subscription cache).
      await this.deliveries.update(
        { id: delivery.id },
        {
          status: DeliveryStatus.Failed,
          last_error: 'The webhook was deleted',
          completed_at: new Date(),
        },
      );
      return { outcome: 'done' };
    }

    const started = Date.now();
    let answer: WebhookAnswer | undefined;
    let error: string | null = null;
    let blocked = false;
    try {
      answer = await inSpan(
        'webhook POST',
        // The host only: webhook URLs often carry a token in their path or query.
        { kind: SpanKind.CLIENT, attributes: { 'server.address': new URL(delivery.url).host } },
        async (span) => {
          const sent = await postWebhook({
            url: delivery.url,
            body: delivery.payload,
            headers: injectTraceHeaders({
              'Content-Type': 'application/json',
              'User-Agent': USER_AGENT,
              [WebhookHeaders.Event]: delivery.event_type,
              [WebhookHeaders.Delivery]: delivery.id,
              [WebhookHeaders.Signature]: signPayload(
                secret,
                delivery.payload,
                Math.floor(Date.now() / 1000),
              ),
            }),
            timeoutMs: this.config.webhooks.timeoutMs,
            allowPrivate: this.config.webhooks.allowPrivateTargets,
            lookupAll: this.lookupAll,
          });
          span.setAttribute('http.response.status_code', sent.statusCode);
          return sent;
        },
      );
      if (answer.statusCode < 200 || answer.statusCode >= 300) {
        error = `HTTP ${answer.statusCode}`;
      }
    } catch (err) {
      blocked = err instanceof BlockedTargetError;
      error = clip(err instanceof Error ? err.message : String(err), 500);
    }
    const durationMs = Date.now() - started;

    await this.attempts.insert({
      delivery_id: delivery.id,
      attempt,
      status_code: answer?.statusCode ?? null,
      error,
      response_excerpt: answer?.excerpt ? clip(answer.excerpt, 512) : null,
      duration_ms: durationMs,
    });
    const last = blocked || attempt >= maxAttempts;
    const now = new Date();
    const status =
      error === null
        ? DeliveryStatus.Succeeded
        : last
          ? DeliveryStatus.Failed
          : DeliveryStatus.Pending;
    await this.deliveries.update(
      { id: delivery.id },
      {
        status,
        attempts: attempt,
        last_status_code: answer?.statusCode ?? null,
        last_error: error,
        next_attempt_at:
          status === DeliveryStatus.Pending
            ? new Date(
                now.getTime() + webhookBackoffMs(attempt, this.config.webhooks.backoffBaseMs),
              )
            : null,
        completed_at: status === DeliveryStatus.Pending ? null : now,
      },
    );
    if (error === null) return { outcome: 'done' };
    this.logger.warn(
      `Delivery ${delivery.id} (${delivery.event_type}) attempt ${attempt}/${maxAttempts} failed: ${error}`,
    );
    return last ? { outcome: 'failed', reason: error } : { outcome: 'retry', reason: error };
  }

  private async loggedAttempts(deliveryId: string): Promise<number> {
    const row = await this.attempts
      .createQueryBuilder('a')
      .select('MAX(a.attempt)', 'max')
      .where('a.delivery_id = :deliveryId', { deliveryId })
      .getRawOne<{ max: number | null }>();
    return Number(row?.max ?? 0);
  }
}
