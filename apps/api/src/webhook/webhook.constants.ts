import type { NoJobData, TraceCarrier } from '@app/common';
import { ExecutionEventType } from '../execution';

export const WEBHOOK_DELIVERY_QUEUE = 'webhook-deliveries';

export const WebhookJob = {
  Deliver: 'deliver',
  /** Hourly, from a job scheduler: prunes the delivery log (WebhookRetention). */
  Prune: 'prune-deliveries',
} as const;

export const WEBHOOK_PRUNE_EVERY_MS = 3600_000;

export interface WebhookJobData {
  deliveryId: string;
  /** W3C trace context of the event that caused the delivery; each attempt continues it. */
  trace?: TraceCarrier;
}

/** Each job of the delivery queue and its data (see JobOf). */
export interface WebhookJobs {
  [WebhookJob.Deliver]: WebhookJobData;
  [WebhookJob.Prune]: NoJobData;
}

/** The custom BullMQ backoff type of delivery jobs (see webhookBackoffMs). */
export const WEBHOOK_BACKOFF_TYPE = 'webhook';

/** Exponential: base, 2·base, 4·base … (30 s base and 8 attempts: about 1 h in all). */
export const webhookBackoffMs = (failedAttempts: number, baseMs: number): number =>
  baseMs * 2 ** Math.max(0, failedAttempts - 1);

/** Redis channel (namespaced by REDIS_PREFIX): a user's webhooks changed. */
export const WEBHOOKS_CHANGED_CHANNEL = 'webhooks:changed';

/**
 * Events a webhook may subscribe to: the lifecycle of an execution. Progress and log lines are
 * for live streams (SSE, Socket.IO), not for one HTTP request each.
 */
export const WEBHOOK_EVENT_TYPES = [
  ExecutionEventType.Created,
  ExecutionEventType.Started,
  ExecutionEventType.Completed,
  ExecutionEventType.Failed,
  ExecutionEventType.Cancelled,
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent by POST /webhooks/{id}/test; never subscribed to. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export const WebhookHeaders = {
  Event: 'X-RPA-Event',
  Delivery: 'X-RPA-Delivery',
  Signature: 'X-RPA-Signature',
} as const;
