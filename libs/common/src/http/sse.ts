import type { Response } from 'express';

export interface SseStream {
  /** Sends one event; `data` is JSON-encoded on a single line. */
  send(data: unknown, options?: { event?: string; id?: string | number }): void;
  close(): void;
  readonly closed: boolean;
  /** Called once when the stream ends, whoever ended it. */
  onClose(listener: () => void): void;
  /**
   * Called when the server shuts down. A stream with such a listener ends itself (for
   * instance with its own final event); one without gets a `shutdown` event and is closed.
   */
  onShutdown(listener: () => void): void;
}

/** What a stream without its own shutdown listener is told before it is closed. */
export const SSE_SHUTDOWN_EVENT = 'shutdown';

interface TrackedStream {
  stream: SseStream;
  write(chunk: string): void;
  shutdownListeners: Array<() => void>;
}

/**
 * Open streams per express application (one per Nest app, so several apps in one process,
 * as in tests, never close each other's streams).
 */
const registry = new WeakMap<object, Set<TrackedStream>>();

function streamsOf(owner: object | undefined): Set<TrackedStream> | undefined {
  if (!owner) return undefined;
  let set = registry.get(owner);
  if (!set) {
    set = new Set();
    registry.set(owner, set);
  }
  return set;
}

/**
 * Turns an express response into a Server-Sent Events stream with keep-alive comments
 * every `pingMs`, so proxies and clients do not time out a quiet stream.
 */
export function openSse(
  res: Response,
  pingMs: number,
  options: { pingComment?: () => string } = {},
): SseStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.socket?.setNoDelay(true);

  const listeners: Array<() => void> = [];
  let closed = false;
  const comment = options.pingComment ?? (() => 'ping');
  const ping = setInterval(() => write(`: ${comment()}\n\n`), pingMs);
  const open = streamsOf((res as { app?: object }).app);

  function write(chunk: string): void {
    if (closed) return;
    res.write(chunk);
  }
  function end(): void {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    open?.delete(tracked);
    if (!res.writableEnded) res.end();
    for (const listener of listeners.splice(0)) listener();
  }
  res.on('close', end);

  const stream: SseStream = {
    send(data, options = {}) {
      let chunk = '';
      if (options.id !== undefined) chunk += `id: ${options.id}\n`;
      if (options.event) chunk += `event: ${options.event}\n`;
      chunk += `data: ${JSON.stringify(data)}\n\n`;
      write(chunk);
    },
    close: end,
    get closed() {
      return closed;
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    onShutdown(listener) {
      tracked.shutdownListeners.push(listener);
    },
  };
  const tracked: TrackedStream = { stream, write, shutdownListeners: [] };
  open?.add(tracked);
  return stream;
}

/** Open SSE streams of an express application (for metrics and shutdown). */
export function countSseStreams(app: object): number {
  return registry.get(app)?.size ?? 0;
}

/**
 * Tells every open stream of `app` that the server is going away and closes it: streams
 * with a shutdown listener end themselves; the others get `event: shutdown` (with a
 * `retry` hint, so EventSource clients reconnect to another instance) and are closed.
 * Streams still open after `graceMs` are closed as they are. Resolves with how many
 * streams were open.
 */
export async function closeSseStreams(app: object, graceMs: number): Promise<number> {
  const open = registry.get(app);
  if (!open?.size) return 0;
  const streams = [...open];
  for (const { stream, write, shutdownListeners } of streams) {
    if (shutdownListeners.length) {
      for (const listener of shutdownListeners.splice(0)) listener();
      continue;
    }
    write('retry: 1000\n');
    stream.send(
      { reason: 'shutdown', message: 'The server is shutting down; reconnect to continue' },
      { event: SSE_SHUTDOWN_EVENT },
    );
    stream.close();
  }
  const deadline = Date.now() + graceMs;
  while (streams.some(({ stream }) => !stream.closed) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const { stream } of streams) stream.close();
  return streams.length;
}
