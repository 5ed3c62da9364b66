import type { Response } from 'express';

export interface SseStream {
  /** Sends one event; `data` is JSON-encoded on a single line. */
  send(data: unknown, options?: { event?: string; id?: string | number }): void;
  close(): void;
  readonly closed: boolean;
  /** Called once when the stream ends, whoever ended it. */
  onClose(listener: () => void): void;
}

/**
 * Turns an express response into a Server-Sent Events stream with keep-alive comments
 * every `pingMs`, so proxies and clients do not time out a quiet stream.
 */
export function openSse(res: Response, pingMs: number): SseStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.socket?.setNoDelay(true);

  const listeners: Array<() => void> = [];
  let closed = false;
  const ping = setInterval(() => write(': ping\n\n'), pingMs);

  function write(chunk: string): void {
    if (closed) return;
    res.write(chunk);
  }
  function end(): void {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    if (!res.writableEnded) res.end();
    for (const listener of listeners.splice(0)) listener();
  }
  res.on('close', end);

  return {
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
  };
}
