/** Domain events of the executor bridge, emitted in the process that holds the connection. */
export const ExecutorEventType = {
  Connected: 'executor.connected',
  Disconnected: 'executor.disconnected',
} as const;

export type ExecutorEventType = (typeof ExecutorEventType)[keyof typeof ExecutorEventType];

export interface ExecutorEvent {
  type: ExecutorEventType;
  /** Owner; routes the event to the user's room. */
  user_id: string;
  executor_id: string;
  address: string;
  connected_at: string;
  /** On disconnect: why (closed by the executor, ping timeout, shutdown). */
  reason?: string;
  ts: string;
}

/** What clients see: the event without its owner. */
export type PublicExecutorEvent = Omit<ExecutorEvent, 'user_id' | 'type'>;

export function publicExecutorEvent(event: ExecutorEvent): PublicExecutorEvent {
  const { user_id: _owner, type: _type, ...visible } = event;
  return visible;
}
