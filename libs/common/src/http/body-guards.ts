import type { NextFunction, Request, Response } from 'express';
import { sendErrorEnvelope } from '../errors/envelope';
import { ErrorCode } from '../errors/error-codes';
import { JsonLimits, jsonBoundsProblem } from '../validation/json-bounds';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function refuse(
  req: Request,
  res: Response,
  status: number,
  error: ErrorCode,
  msg: string,
  field?: string,
): void {
  sendErrorEnvelope(req, res, status, {
    code: error,
    message: msg,
    ...(field ? { details: [{ field, errors: [msg] }] } : {}),
  });
}

const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * State changes come as JSON only, whatever the Origin: a form post (urlencoded, multipart,
 * text/plain) is what a foreign page can send without a preflight, so none is ever read.
 */
export function jsonOnly() {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!STATE_CHANGING.has(req.method) || !hasBody(req)) return next();
    const type = req.headers['content-type'] ?? '';
    if (JSON_TYPE.test(type)) return next();
    // Drain what the client sends, so that it reads the answer instead of a reset.
    req.resume();
    refuse(req, res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
  };
}

/** After the JSON parser: a body beyond the limits is refused before any route sees it. */
export function boundedJson(limits: JsonLimits) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object') return next();
    const problem = jsonBoundsProblem(body, limits);
    if (!problem) return next();
    refuse(req, res, 400, 'VALIDATION_FAILED', `The body is too large: ${problem}`, 'body');
  };
}
