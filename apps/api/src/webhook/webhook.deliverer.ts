import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig, injectTraceHeaders, inSpan, SpanKind } from '@app/common';
import { DeliveryStatus, WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookHeaders, webhookBackoffMs } from './webhook.constants';
import { WebhookAnswer, postWebhook } from './webhook-http';
import { WebhookSecrets } from './webhook.secrets';
import { signPayload } from './webhook-signature';
import { BlockedTargetError, LookupAll } from './webhook-target';

export type AttemptOutcome =
  | { outcome: 'done' }
  | { outcome: 'retry'; reason: string }
  | { outcome: 'failed'; reason: string };

/** Resolves webhook hosts; the system resolver when nothing is provided (tests provide one). */
export const WEBHOOK_DNS_LOOKUP = Symbol('WEBHOOK_DNS_LOOKUP');

/** What one POST came to: an answer, or the reason there was none. */
interface Sent {
  answer?: WebhookAnswer;
  /** null: a 2xx answer. */
  error: string | null;
  /** The SSRF guard refused the target: no point in trying again. */
  blocked: boolean;
  durationMs: number;
}

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

  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly secrets: WebhookSecrets,
    private readonly config: AppConfig,
    @Optional() @Inject(WEBHOOK_DNS_LOOKUP) private readonly lookupAll?: LookupAll,
  ) {}

  async attempt(deliveryId: string, attempt: number, maxAttempts: number): Promise<AttemptOutcome> {
    const delivery = await this.deliveries.withPayload(deliveryId);
    if (!delivery || delivery.status !== DeliveryStatus.Pending) return { outcome: 'done' };
    // A job run again after a crash did not count the try it was in; the attempt log did.
    attempt = Math.max(attempt, (await this.deliveries.lastAttempt(delivery.id)) + 1);
    const secret = await this.secretFor(delivery);
    if (secret === null) {
      // Its webhook was deleted after the delivery was written (by a stale subscription cache).
      await this.deliveries.record(delivery.id, {
        status: DeliveryStatus.Failed,
        last_error: 'The webhook was deleted',
        completed_at: new Date(),
      });
      return { outcome: 'done' };
    }
    const sent = await this.send(delivery, secret);
    const last = sent.blocked || attempt >= maxAttempts;
    await this.record(delivery, attempt, sent, last);
    if (sent.error === null) return { outcome: 'done' };
    this.logger.warn(
      `Delivery ${delivery.id} (${delivery.event_type}) attempt ${attempt}/${maxAttempts} failed: ${sent.error}`,
    );
    return last
      ? { outcome: 'failed', reason: sent.error }
      : { outcome: 'retry', reason: sent.error };
  }

  /** A run's callback is signed with its owner's callback secret, a webhook's with its own. */
  private secretFor(delivery: WebhookDeliveryEntity): Promise<string | null> {
    return delivery.webhook_id === null
      ? this.secrets.callbackSecret(delivery.user_id)
      : this.secrets.webhookSecret(delivery.webhook_id);
  }

  /** POSTs the signed body; never throws (a transport error is an outcome). */
  private async send(delivery: WebhookDeliveryEntity, secret: string): Promise<Sent> {
    const started = Date.now();
    try {
      const answer = await inSpan(
        'webhook POST',
        // The host only: webhook URLs often carry a token in their path or query.
        { kind: SpanKind.CLIENT, attributes: { 'server.address': new URL(delivery.url).host } },
        async (span) => {
          const sent = await postWebhook({
            url: delivery.url,
            body: delivery.payload,
            headers: this.headers(delivery, secret),
            timeoutMs: this.config.webhooks.timeoutMs,
            allowPrivate: this.config.webhooks.allowPrivateTargets,
            lookupAll: this.lookupAll,
          });
          span.setAttribute('http.response.status_code', sent.statusCode);
          return sent;
        },
      );
      const ok = answer.statusCode >= 200 && answer.statusCode < 300;
      return {
        answer,
        error: ok ? null : `HTTP ${answer.statusCode}`,
        blocked: false,
        durationMs: Date.now() - started,
      };
    } catch (err) {
      return {
        error: clip(err instanceof Error ? err.message : String(err), 500),
        blocked: err instanceof BlockedTargetError,
        durationMs: Date.now() - started,
      };
    }
  }

  private headers(delivery: WebhookDeliveryEntity, secret: string): Record<string, string> {
    return injectTraceHeaders({
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      [WebhookHeaders.Event]: delivery.event_type,
      [WebhookHeaders.Delivery]: delivery.id,
      [WebhookHeaders.Signature]: signPayload(
        secret,
        delivery.payload,
        Math.floor(Date.now() / 1000),
      ),
    });
  }

  /** Logs the attempt and moves the delivery on. */
  private async record(
    delivery: WebhookDeliveryEntity,
    attempt: number,
    sent: Sent,
    last: boolean,
  ): Promise<void> {
    const { answer, error } = sent;
    await this.deliveries.logAttempt({
      delivery_id: delivery.id,
      attempt,
      status_code: answer?.statusCode ?? null,
      error,
      response_excerpt: answer?.excerpt ? clip(answer.excerpt, 512) : null,
      duration_ms: sent.durationMs,
    });
    const now = new Date();
    const status =
      error === null
        ? DeliveryStatus.Succeeded
        : last
          ? DeliveryStatus.Failed
          : DeliveryStatus.Pending;
    const backoffMs = webhookBackoffMs(attempt, this.config.webhooks.backoffBaseMs);
    await this.deliveries.record(delivery.id, {
      status,
      attempts: attempt,
      last_status_code: answer?.statusCode ?? null,
      last_error: error,
      next_attempt_at:
        status === DeliveryStatus.Pending ? new Date(now.getTime() + backoffMs) : null,
      completed_at: status === DeliveryStatus.Pending ? null : now,
    });
  }
}
