import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { BaseMsg } from './executor-frames';

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
  /** Closes the connection when its API key expires. */
  expiryTimer?: NodeJS.Timeout;

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

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason.slice(0, 120));
    }
  }
}
