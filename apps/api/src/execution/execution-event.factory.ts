import { ExecutionEntity } from './entities/execution.entity';
import { ExecutionEvent, ExecutionEventType, FINAL_EVENT_TYPES } from './execution.events';

/** The event payload of docs/live-events.md for an execution as it stands. */
export function toEvent(execution: ExecutionEntity, type: ExecutionEventType): ExecutionEvent {
  const event: ExecutionEvent = {
    type,
    execution_id: execution.id,
    project_id: execution.project_id,
    user_id: execution.user_id,
    status: execution.status,
    progress: Number(execution.progress),
    ts: new Date().toISOString(),
  };
  if (type === ExecutionEventType.Completed) event.result = execution.result;
  if (type === ExecutionEventType.Failed || type === ExecutionEventType.Cancelled) {
    event.error = execution.error;
  }
  if (FINAL_EVENT_TYPES.includes(type) && execution.callback_url) event.has_callback = true;
  return event;
}
