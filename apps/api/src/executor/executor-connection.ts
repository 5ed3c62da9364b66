import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { CloseCodes } from './executor.constants';
import { ExecutorEvent, ExecutorEventType } from './executor.events';
import { BaseMsg, exitFrame } from './executor-frames';

/** setTimeout's longest delay; a later key expiry re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One executor's WebSocket, held by this process. */
export class ExecutorConnection {
  readonly id = randomUUID();
  /** Event ids of the runs dispatched to it and not answered yet. */
  readonly running = new Set<string>();
  readonly connectedAt = Date.now();
  lastSeenAt = Date.now();
  lastPingAt: number | null = null;
  closed = false;
  /** Until the capabilities probe is answered (or times out) it gets no runs. */
  protocol: 'probing' | 'legacy' | 'managed' = 'probing';
  /** The managed engine's own id, named in every command and receipt. */
  clientId?: string;
  supportsCancel = false;
  private expiryTimer?: NodeJS.Timeout;

  constructor(
    readonly ws: WebSocket,
    readonly userId: string,
    readonly address: string,
    /** The API key it authenticated with; its revocation closes the connection. */
    readonly keyId?: number,
    /** When that key expires (ms since the epoch), if it does. */
    readonly expiresAt?: number,
  ) {}

  get managed(): boolean {
    return this.protocol === 'managed';
  }

  get open(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: BaseMsg): boolean {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Its `executor.connected` / `executor.disconnected` event. */
  event(type: ExecutorEventType, reason?: string): ExecutorEvent {
    return {
      type,
      user_id: this.userId,
      executor_id: this.id,
      address: this.address,
      connected_at: new Date(this.connectedAt).toISOString(),
      ...(reason ? { reason } : {}),
      ts: new Date().toISOString(),
    };
  }

  /** Its credentials no longer hold (revoked or expired key): `exit`, then close 1008. */
  unauthenticated(reason: string): void {
    this.send(exitFrame('UNAUTHENTICATED', reason));
    this.close(CloseCodes.PolicyViolation, reason);
  }

  /** Ends the connection when its key expires, as revocation does (its runs' grace starts). */
  closeAtExpiry(): void {
    if (this.expiresAt === undefined || this.closed) return;
    const left = this.expiresAt - Date.now();
    if (left <= 0) {
      this.unauthenticated('The API key expired');
      return;
    }
    this.expiryTimer = setTimeout(() => this.closeAtExpiry(), Math.min(left, MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  /** The socket is gone: nothing is sent any more, the expiry timer is dropped. */
  markClosed(): void {
    this.closed = true;
    clearTimeout(this.expiryTimer);
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason.slice(0, 120));
    }
  }
}
