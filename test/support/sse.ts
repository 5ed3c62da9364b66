import { waitFor } from './wait';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** A Server-Sent Events response read incrementally with fetch. */
export interface SseReader {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  /** Comment lines (keep-alives such as `: ping`), without the colon. */
  comments: string[];
  /** Everything received so far, as it came over the wire. */
  text(): string;
  /** Resolves when the stream ends: the server closed it, or the client did. */
  ended: Promise<void>;
  /** Waits until some event (or comment) matches. */
  waitFor(accept: (reader: SseReader) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Closes the connection from the client side. */
  disconnect(): void;
  /** Events parsed as JSON. */
  json<T = Record<string, unknown>>(): Array<T & { __event?: string }>;
}

export interface SseRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Checked after each event: once it answers true the client disconnects, reading no more. */
  stopWhen?: (events: SseEvent[]) => boolean;
}

function parseBlock(block: string, comments: string[]): SseEvent | undefined {
  const event: Partial<SseEvent> = {};
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) comments.push(line.slice(1).trim());
    else if (line.startsWith('id:')) event.id = line.slice(3).trim();
    else if (line.startsWith('event:')) event.event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return data.length ? { ...event, data: data.join('\n') } : undefined;
}

/** Opens an SSE request; a non-2xx answer is read whole into `events[0].data`. */
export async function openSse(url: string, init: SseRequest = {}): Promise<SseReader> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let text = '';
  const reader: SseReader = {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    comments,
    text: () => text,
    ended: Promise.resolve(),
    waitFor: (accept, what, timeoutMs = 30_000) =>
      waitFor(() => accept(reader), { what, timeoutMs, intervalMs: 10 }).then(() => undefined),
    disconnect: () => controller.abort(),
    json: <T>() =>
      events.map((e) => ({ ...(JSON.parse(e.data) as T), __event: e.event })) as Array<
        T & { __event?: string }
      >,
  };
  reader.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const decoded = decoder.decode(chunk, { stream: true });
        text += decoded;
        buffer += decoded;
        let split: number;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const event = parseBlock(buffer.slice(0, split), comments);
          buffer = buffer.slice(split + 2);
          if (!event) continue;
          events.push(event);
          if (init.stopWhen?.(events)) {
            controller.abort();
            return;
          }
        }
      }
      if (buffer.trim()) events.push({ data: buffer });
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
  })();
  return reader;
}
