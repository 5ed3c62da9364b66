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

export type ExecutionEventType = (typeof ExecutionEventType)[keyof typeof ExecutionEventType];

export const FINAL_EVENT_TYPES = [
  ExecutionEventType.Completed,
  ExecutionEventType.Failed,
  ExecutionEventType.Cancelled,
] as const;

export type FinalExecutionEventType = (typeof FINAL_EVENT_TYPES)[number];

export interface ExecutionLogLine {
  seq: number;
  level: string;
  message: string;
}

/**
 * What every event carries (docs/live-events.md payload plus routing fields), in wire order:
 * the kind's own fields follow `ts`.
 */
interface EventOf<T extends ExecutionEventType> {
  /** Increasing per execution (a Redis stream id); set once the event is stored. */
  id?: string;
  type: T;
  execution_id: string;
  project_id: string;
  /** Owner; used for routing (rooms, webhooks), never to authorise. */
  user_id: string;
  /** The trace the change happened in, so deliveries it causes join it (routing, too). */
  trace?: TraceCarrier;
  status: ExecutionStatus;
  progress: number;
  ts: string;
}

interface FinalEventOf<T extends FinalExecutionEventType> extends EventOf<T> {
  /** The run has a callback_url to deliver to (routing, like user_id); absent otherwise. */
  has_callback?: true;
}

export type ExecutionCreatedEvent = EventOf<typeof ExecutionEventType.Created>;
export type ExecutionStartedEvent = EventOf<typeof ExecutionEventType.Started>;
export type ExecutionProgressEvent = EventOf<typeof ExecutionEventType.Progress>;

export interface ExecutionLogEvent extends EventOf<typeof ExecutionEventType.Log> {
  log: ExecutionLogLine;
}

export interface ExecutionCompletedEvent extends FinalEventOf<typeof ExecutionEventType.Completed> {
  result: JsonObject | null;
}

export interface ExecutionFailedEvent extends FinalEventOf<typeof ExecutionEventType.Failed> {
  error: string | null;
}

export interface ExecutionCancelledEvent extends FinalEventOf<typeof ExecutionEventType.Cancelled> {
  error: string | null;
}

/**
 * One state change of an execution, keyed by `type`. Published on Redis by whichever process
 * made the change and received by every process. Built by ExecutionEvents (the constructors)
 * or parseExecutionEvent (what Redis hands back), never as a literal.
 */
export type ExecutionEvent =
  | ExecutionCreatedEvent
  | ExecutionStartedEvent
  | ExecutionProgressEvent
  | ExecutionLogEvent
  | ExecutionCompletedEvent
  | ExecutionFailedEvent
  | ExecutionCancelledEvent;

/** The event of one type. */
export type ExecutionEventOfType<T extends ExecutionEventType> = Extract<
  ExecutionEvent,
  { type: T }
>;

export type FinalExecutionEvent = ExecutionEventOfType<FinalExecutionEventType>;

export const isFinalEventType = (type: string): type is FinalExecutionEventType =>
  (FINAL_EVENT_TYPES as readonly string[]).includes(type);

export const isFinalEvent = (event: ExecutionEvent): event is FinalExecutionEvent =>
  isFinalEventType(event.type);

/** Omit applied to each member of a union (plain Omit would merge the members). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What clients see of an event: without the fields that only route it (owner, callback, trace). */
export type PublicExecutionEvent = OmitEach<ExecutionEvent, 'user_id' | 'has_callback' | 'trace'>;

/** A client's view of the event, its fields in the order they were published. */
export function publicEvent(event: ExecutionEvent): PublicExecutionEvent {
  const { user_id: _owner, trace: _trace, ...visible } = event;
  if (!('has_callback' in visible)) return visible;
  const { has_callback: _callback, ...rest } = visible;
  return rest;
}
