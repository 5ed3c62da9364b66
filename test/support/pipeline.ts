import request from 'supertest';
import { DataSource } from 'typeorm';
import { ExecutionLogEntity } from '../../apps/api/src/execution/entities/execution-log.entity';
import {
  ExecutionEntity,
  ExecutionStatus,
  isFinal,
} from '../../apps/api/src/execution/entities/execution.entity';

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Creates an API key for `userId` through the real route and returns the full key. */
export async function createApiKey(baseUrl: string, userId: string): Promise<string> {
  const res = await request(baseUrl)
    .post('/api-keys')
    .set('X-User-Id', userId)
    .send({ name: `key of ${userId}` })
    .expect(201);
  return res.body.data.api_key as string;
}

/** Creates (or updates) a workflow of `userId`; status 1 active, 0 inactive. */
export async function upsertWorkflow(
  baseUrl: string,
  userId: string,
  projectId: string,
  status: 0 | 1 = 1,
): Promise<void> {
  await request(baseUrl)
    .post('/workflows/upsert')
    .set('X-User-Id', userId)
    .send({ project_id: projectId, name: `Workflow ${projectId}`, status })
    .expect(200);
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

export function executionRow(db: DataSource, id: string): Promise<ExecutionEntity | null> {
  return db.getRepository(ExecutionEntity).findOneBy({ id });
}

export function executionLogRows(db: DataSource, id: string): Promise<ExecutionLogEntity[]> {
  return db.getRepository(ExecutionLogEntity).find({
    where: { execution_id: id },
    order: { seq: 'ASC' },
  });
}

/** Waits until the execution's row satisfies `accept` (by default: it has ended). */
export function waitForExecution(
  db: DataSource,
  id: string,
  accept: (row: ExecutionEntity) => boolean = (row) => isFinal(row.status),
  timeoutMs = 30_000,
): Promise<ExecutionEntity> {
  return eventually(
    async () => {
      const row = await executionRow(db, id);
      return row && accept(row) ? row : undefined;
    },
    `execution ${id}`,
    timeoutMs,
  );
}

export const hasStatus =
  (...statuses: ExecutionStatus[]) =>
  (row: ExecutionEntity) =>
    statuses.includes(row.status);

export interface SseEvent {
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
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Waits until some event (or comment) matches. */
  waitFor(accept: (reader: SseReader) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Closes the connection from the client side. */
  disconnect(): void;
  /** Events parsed as JSON. */
  json<T = Record<string, unknown>>(): Array<T & { __event?: string }>;
}

/** Opens an SSE request; a non-2xx answer is read whole into `events[0].data`. */
export async function openSse(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<SseReader> {
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
  const reader: SseReader = {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    comments,
    ended: Promise.resolve(),
    waitFor: (accept, what, timeoutMs = 30_000) =>
      eventually(() => (accept(reader) ? true : undefined), what, timeoutMs, 10).then(
        () => undefined,
      ),
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
        buffer += decoder.decode(chunk, { stream: true });
        let split: number;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          let event: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length) events.push({ event, data: data.join('\n') });
        }
      }
      if (buffer.trim()) events.push({ data: buffer });
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
  })();
  return reader;
}
