import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-ID';
const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's id when it is safe to echo and log, otherwise a fresh UUID. */
export function acceptRequestId(candidate: unknown): string {
  return typeof candidate === 'string' && VALID_REQUEST_ID.test(candidate)
    ? candidate
    : randomUUID();
}

/** Assigns the request id once per request and echoes it on the response. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as IncomingMessage & { id?: unknown }).id;
  if (typeof existing === 'string') return existing;
  const id = acceptRequestId(req.headers['x-request-id']);
  (req as IncomingMessage & { id?: string }).id = id;
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
