import { JsonObject } from '@app/common';
import type { ExecutionEntity } from '../../execution/entities/execution.entity';
import { WebhookEntity, webhookEvents } from '../entities/webhook.entity';
import { WEBHOOK_TEST_EVENT } from '../webhook.constants';

/**
 * The execution as a delivery carries it (docs/webhooks.md). Its own type, not the REST
 * representation: a receiver's contract must not change because a REST answer gains a field.
 */
export interface WebhookExecutionData {
  id: string;
  project_id: string;
  user_id: string;
  status: string;
  parameters: JsonObject | null;
  result: JsonObject | null;
  error: string | null;
  exec_position: string;
  progress: number;
  robot_task_id: string | null;
  trigger: string;
  priority: number;
  reference: string | null;
  timeout_ms: number | null;
  retry_of: string | null;
  callback_url: string | null;
  start_time: string | null;
  end_time: string | null;
  created_at: string;
  updated_at: string;
}

/** The body of every delivery (docs/webhooks.md); `id` is the event id receivers dedupe on. */
export interface WebhookPayload {
  id: string;
  type: string;
  created_at: string;
  data: { execution: WebhookExecutionData } | { webhook: WebhookTestData };
}

export interface WebhookTestData {
  id: string;
  url: string;
  events: string[];
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function executionData(e: ExecutionEntity): WebhookExecutionData {
  return {
    id: e.id,
    project_id: e.project_id,
    user_id: e.user_id,
    status: e.status,
    parameters: e.parameters,
    result: e.result,
    error: e.error,
    exec_position: e.exec_position,
    progress: Number(e.progress),
    robot_task_id: e.robot_task_id,
    trigger: e.trigger,
    priority: Number(e.priority),
    reference: e.reference,
    timeout_ms: e.timeout_ms === null ? null : Number(e.timeout_ms),
    retry_of: e.retry_of,
    callback_url: e.callback_url,
    start_time: iso(e.start_time),
    end_time: iso(e.end_time),
    created_at: e.created_at.toISOString(),
    updated_at: e.updated_at.toISOString(),
  };
}

/** An execution event's payload. */
export const executionPayload = (
  eventId: string,
  type: string,
  at: string,
  execution: ExecutionEntity,
): WebhookPayload => ({
  id: eventId,
  type,
  created_at: at,
  data: { execution: executionData(execution) },
});

/** What `POST /webhooks/{id}/test` sends. */
export const testPayload = (eventId: string, webhook: WebhookEntity): WebhookPayload => ({
  id: eventId,
  type: WEBHOOK_TEST_EVENT,
  created_at: new Date().toISOString(),
  data: { webhook: { id: webhook.id, url: webhook.url, events: webhookEvents(webhook) } },
});
