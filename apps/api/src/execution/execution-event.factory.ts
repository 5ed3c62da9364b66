import { JsonObject, TraceCarrier } from '@app/common';
import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import {
  ExecutionCancelledEvent,
  ExecutionCompletedEvent,
  ExecutionCreatedEvent,
  ExecutionEvent,
  ExecutionEventType,
  ExecutionFailedEvent,
  ExecutionLogEvent,
  ExecutionLogLine,
  ExecutionProgressEvent,
  ExecutionStartedEvent,
  FinalExecutionEvent,
  FinalExecutionEventType,
} from './execution.events';

/** What an event is built from: an execution as it stands. */
export type EventSource = Pick<
  ExecutionEntity,
  'id' | 'project_id' | 'user_id' | 'status' | 'progress' | 'result' | 'error' | 'callback_url'
>;

type Envelope<T extends ExecutionEventType> = {
  type: T;
  execution_id: string;
  project_id: string;
  user_id: string;
  status: ExecutionStatus;
  progress: number;
  ts: string;
};

/**
 * The fields every event starts with. Their order is the order of the JSON on every wire
 * (Socket.IO, SSE, the Redis stream), so it is written here once.
 */
function envelope<T extends ExecutionEventType>(
  type: T,
  execution: EventSource,
  status: ExecutionStatus = execution.status,
  progress: number = Number(execution.progress),
): Envelope<T> {
  return {
    type,
    execution_id: execution.id,
    project_id: execution.project_id,
    user_id: execution.user_id,
    status,
    progress,
    ts: new Date().toISOString(),
  };
}

const callback = (execution: EventSource): { has_callback?: true } =>
  execution.callback_url ? { has_callback: true } : {};

const logLine = ({ seq, level, message }: ExecutionLogLine): ExecutionLogLine => ({
  seq,
  level,
  message,
});

/** The constructors of docs/live-events.md payloads, one per kind of event. */
export const ExecutionEvents = {
  created: (execution: EventSource): ExecutionCreatedEvent =>
    envelope(ExecutionEventType.Created, execution),

  started: (execution: EventSource): ExecutionStartedEvent =>
    envelope(ExecutionEventType.Started, execution),

  /** A running task reported `progress` (the execution holds the value before it). */
  progress: (execution: EventSource, progress: number): ExecutionProgressEvent =>
    envelope(ExecutionEventType.Progress, execution, ExecutionStatus.Running, progress),

  log: (execution: EventSource, line: ExecutionLogLine): ExecutionLogEvent => ({
    ...envelope(ExecutionEventType.Log, execution, ExecutionStatus.Running),
    log: logLine(line),
  }),

  completed: (execution: EventSource): ExecutionCompletedEvent => ({
    ...envelope(ExecutionEventType.Completed, execution),
    result: execution.result,
    ...callback(execution),
  }),

  failed: (execution: EventSource): ExecutionFailedEvent => ({
    ...envelope(ExecutionEventType.Failed, execution),
    error: execution.error,
    ...callback(execution),
  }),

  cancelled: (execution: EventSource): ExecutionCancelledEvent => ({
    ...envelope(ExecutionEventType.Cancelled, execution),
    error: execution.error,
    ...callback(execution),
  }),

  /** The final event of one of the three kinds. */
  ended(execution: EventSource, type: FinalExecutionEventType): FinalExecutionEvent {
    switch (type) {
      case ExecutionEventType.Completed:
        return ExecutionEvents.completed(execution);
      case ExecutionEventType.Failed:
        return ExecutionEvents.failed(execution);
      case ExecutionEventType.Cancelled:
        return ExecutionEvents.cancelled(execution);
    }
  },
};

// --- reading events back ---------------------------------------------------------------

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const EVENT_TYPES: readonly string[] = Object.values(ExecutionEventType);
const STATUSES: readonly string[] = Object.values(ExecutionStatus);

const isString = (value: unknown): value is string => typeof value === 'string';
const isNullableString = (value: unknown): value is string | null =>
  value === null || isString(value);
const isResult = (value: unknown): value is JsonObject | null => value === null || isFields(value);
const isTrace = (value: unknown): value is TraceCarrier =>
  isFields(value) && Object.values(value).every(isString);

function envelopeOf(raw: Fields): Envelope<ExecutionEventType> | null {
  const { type, execution_id, project_id, user_id, status, progress, ts } = raw;
  if (!isString(type) || !EVENT_TYPES.includes(type)) return null;
  if (!isString(execution_id) || !isString(project_id) || !isString(user_id)) return null;
  if (!isString(status) || !STATUSES.includes(status)) return null;
  if (typeof progress !== 'number' || !isString(ts)) return null;
  return {
    type: type as ExecutionEventType,
    execution_id,
    project_id,
    user_id,
    status: status as ExecutionStatus,
    progress,
    ts,
  };
}

function logLineOf(value: unknown): ExecutionLogLine | null {
  if (!isFields(value)) return null;
  const { seq, level, message } = value;
  if (typeof seq !== 'number' || !isString(level) || !isString(message)) return null;
  return { seq, level, message };
}

/** The kind's own fields on top of the envelope; null when they are missing or malformed. */
function ownFields(base: Envelope<ExecutionEventType>, raw: Fields): ExecutionEvent | null {
  const callbackField = raw.has_callback === true ? { has_callback: true as const } : {};
  switch (base.type) {
    case ExecutionEventType.Created:
    case ExecutionEventType.Started:
    case ExecutionEventType.Progress:
      return { ...base, type: base.type };
    case ExecutionEventType.Log: {
      const log = logLineOf(raw.log);
      return log ? { ...base, type: base.type, log } : null;
    }
    case ExecutionEventType.Completed:
      return isResult(raw.result)
        ? { ...base, type: base.type, result: raw.result, ...callbackField }
        : null;
    case ExecutionEventType.Failed:
    case ExecutionEventType.Cancelled:
      return isNullableString(raw.error)
        ? { ...base, type: base.type, error: raw.error, ...callbackField }
        : null;
  }
}

/**
 * An event as stored or published (parsed JSON) checked against its kind and rebuilt with
 * exactly that kind's fields, in the order they were published, `id` last; null when it is
 * malformed. An unreadable trace is left out: it only links deliveries to the change.
 */
export function parseExecutionEvent(raw: unknown, id: string): ExecutionEvent | null {
  if (!isFields(raw)) return null;
  const base = envelopeOf(raw);
  const event = base && ownFields(base, raw);
  if (!event) return null;
  return { ...event, ...(isTrace(raw.trace) ? { trace: raw.trace } : {}), id };
}
