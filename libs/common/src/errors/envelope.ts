import type { Request, Response } from 'express';
import { requestIdFor } from '../logging/request-id';
import { ENVELOPE_ERROR, ENVELOPE_OK, ErrorCode } from './error-codes';
import { FieldError } from './app.exception';

export interface SuccessEnvelope<T> {
  code: typeof ENVELOPE_OK;
  msg: string;
  data: T;
}

export interface ErrorEnvelope {
  code: typeof ENVELOPE_ERROR;
  msg: string;
  data: null;
  error: ErrorCode;
  request_id: string;
  details?: FieldError[];
}

export const ok = <T>(data: T): SuccessEnvelope<T> => ({ code: ENVELOPE_OK, msg: '', data });

/**
 * A handler's answer with its own envelope code: the legacy routes answer some outcomes that
 * are not errors with code `5001` and data (e.g. "no executor online": `data: false`).
 */
export class EnvelopeAnswer<T = unknown> {
  constructor(
    readonly code: typeof ENVELOPE_OK | typeof ENVELOPE_ERROR,
    readonly msg: string,
    readonly data: T,
  ) {}
}

export interface EnvelopeError {
  code: ErrorCode;
  message: string;
  details?: FieldError[];
}

/** The error envelope of docs/api.md for one request (its request id included). */
export function errorEnvelope(req: Request, res: Response, error: EnvelopeError): ErrorEnvelope {
  return {
    code: ENVELOPE_ERROR,
    msg: error.message,
    data: null,
    error: error.code,
    request_id: requestIdFor(req, res),
    ...(error.details ? { details: error.details } : {}),
  };
}

/**
 * Answers a request with the error envelope, for the places that refuse a request before (or
 * outside) Nest's exception filter: middleware, the shutdown gate, Bull Board's guard.
 */
export function sendErrorEnvelope(
  req: Request,
  res: Response,
  status: number,
  error: EnvelopeError,
): void {
  res.status(status).json(errorEnvelope(req, res, error));
}
