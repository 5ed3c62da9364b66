import type { Namespace, Socket } from 'socket.io';
import { AuthMethod, ErrorCode } from '@app/common';
import { ExecutorEventType, PublicExecutorEvent } from '../executor';
import { ExecutionEvent, ExecutionEventType, PublicExecutionEvent } from '../execution';

/** Socket.IO namespace of docs/live-events.md (path `/socket.io`). */
export const EXECUTIONS_NAMESPACE = '/executions';

/** What a client receives: the payload of docs/live-events.md; the event name carries the type. */
export type LiveExecutionEvent<E extends PublicExecutionEvent = PublicExecutionEvent> =
  E extends unknown ? Omit<E, 'type'> : never;

/** `subscribe` / `unsubscribe` payload: one execution or every run of one workflow. */
export type SubscriptionTarget = { execution_id: string } | { project_id: string };

export type Ack =
  { ok: true } | { ok: false; error: ErrorCode | 'TOO_MANY_SUBSCRIPTIONS'; message: string };

export type ServerToClientEvents = {
  [K in ExecutionEventType]: (event: LiveExecutionEvent) => void;
} & {
  [K in ExecutorEventType]: (event: PublicExecutorEvent) => void;
};

export interface ClientToServerEvents {
  subscribe: (target: SubscriptionTarget, ack?: (answer: Ack) => void) => void;
  unsubscribe: (target: SubscriptionTarget, ack?: (answer: Ack) => void) => void;
}

/** Who is on the other end, set once by the handshake. */
export interface SocketData {
  userId: string;
  via: AuthMethod;
  /** The API key the socket authenticated with; its revocation disconnects the socket. */
  keyId?: number;
  /** When that key expires (ms since the epoch): the socket is disconnected then. */
  expiresAt?: number;
}

export type ExecutionsNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

export type ExecutionsSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/**
 * Room names. A user id never contains '/', so a workflow room of one user can never be
 * named like another user's, even if a project_id is deleted and registered again by someone else.
 */
export const Rooms = {
  user: (userId: string) => `user:${userId}`,
  key: (keyId: number) => `key:${keyId}`,
  /** Sockets of a user authenticated by the trusted header (no key), for the per-key cap. */
  headerUser: (userId: string) => `header-user:${userId}`,
  execution: (executionId: string) => `execution:${executionId}`,
  workflow: (userId: string, projectId: string) => `workflow:${userId}/${projectId}`,
  /** Every room that one event is sent to; a socket in several of them gets it once. */
  of: (event: ExecutionEvent): string[] => [
    Rooms.user(event.user_id),
    Rooms.execution(event.execution_id),
    Rooms.workflow(event.user_id, event.project_id),
  ],
};
