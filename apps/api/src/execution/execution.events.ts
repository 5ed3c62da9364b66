import { JsonObject, TraceCarrier } from '@app/common';
import { ExecutionStatus } from './entities/execution.entity';

export const ExecutionEventType = {
  Created: 'execution.created',
  Started: 'execution.started',
  Progress: 'execution.progress',
  Log: 'execution.log',
  Completed: 'execution.completed',
  Failed: 'execution.failed',
  Cancelled: 'execution.cancelled',
} as const;

/**
 * Emitted in-process (EventEmitter2) by the one process that published an event, next to the
 * cross-process re-emission under the event's type that every process does.
 */
export const EXECUTION_PUBLISHED_LOCALLY = 'execution-bus.published';

export type ExecutionEventType = (typeof ExecutionEventType)[keyof typeof ExecutionEventType];

export const FINAL_EVENT_TYPES: readonly ExecutionEventType[] = [
  ExecutionEventType.Completed,
  ExecutionEventType.Failed,
  ExecutionEventType.Cancelled,
];

export interface ExecutionLogLine {
  seq: number;
  level: string;
  message: string;
}

/**
 * One state change of an execution (docs/live-events.md payload plus routing fields). Published on
 * Redis by whichever process made the change and re-emitted in every process.
 */
export interface ExecutionEvent {
  /** Increasing per execution (a Redis stream id); set once the event is stored. */
  id?: string;
  type: ExecutionEventType;
  execution_id: string;
  project_id: string;
  /** Owner; used for routing (rooms, webhooks), never to authorise. */
  user_id: string;
  /** On a final event: the run has a callback_url to deliver to (routing, like user_id). */
  has_callback?: boolean;
  /** The trace the change happened in, so deliveries it causes join it (routing, too). */
  trace?: TraceCarrier;
  status: ExecutionStatus;
  progress?: number;
  log?: ExecutionLogLine;
  result?: JsonObject | null;
  error?: string | null;
  ts: string;
}

export const isFinalEvent = (event: ExecutionEvent): boolean =>
  FINAL_EVENT_TYPES.includes(event.type);

/** What clients see of an event: without the fields that only route it (owner, callback, trace). */
export type PublicExecutionEvent = Omit<ExecutionEvent, 'user_id' | 'has_callback' | 'trace'>;

export function publicEvent(event: ExecutionEvent): PublicExecutionEvent {
  const { user_id: _owner, has_callback: _callback, trace: _trace, ...visible } = event;
  return visible;
}
