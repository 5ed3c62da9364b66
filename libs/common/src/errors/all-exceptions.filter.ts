import { QueryFailedError } from 'typeorm';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppException } from './app.exception';
import { sendErrorEnvelope } from './envelope';
import { ErrorCode } from './error-codes';
import { isLegacyRequest } from './legacy';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Statuses a legacy route answers with HTTP 200 and code 5001 (docs/api.md, docs/legacy.md); auth (401, 403) and validation (400) keep theirs. */
const LEGACY_BUSINESS_STATUSES = new Set([404, 409]);

interface Normalised {
  status: number;
  code: ErrorCode;
  message: string;
  details?: AppException['details'];
  headers?: Record<string, string>;
}

/** Errors raised by express middleware (body-parser) carry a status and a type. */
interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

export function normaliseError(exception: unknown): Normalised {
  if (exception instanceof AppException) {
    return {
      status: exception.status,
      code: exception.code,
      message: exception.message,
      details: exception.details,
      headers: exception.headers,
    };
  }
  if (exception instanceof HttpException) {
    // Nest wraps body-parser errors, whose raw message may quote the body: their type says it.
    const cause = exception.cause as HttpLikeError | undefined;
    if (typeof cause?.type === 'string') return normaliseError(cause);
    const status = exception.getStatus();
    const code = STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED');
    const response = exception.getResponse();
    const raw =
      typeof response === 'string'
        ? response
        : ((response as { message?: unknown }).message ?? exception.message);
    const message =
      status >= 500 ? 'Internal server error' : Array.isArray(raw) ? raw.join('; ') : String(raw);
    return { status, code, message };
  }
  const httpLike = exception as HttpLikeError | undefined;
  const status = httpLike?.status ?? httpLike?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (httpLike?.type === 'entity.too.large') {
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' };
    }
    if (httpLike?.type === 'entity.parse.failed') {
      return { status: 400, code: 'VALIDATION_FAILED', message: 'Request body is not valid JSON' };
    }
    if (httpLike?.type === 'encoding.unsupported' || httpLike?.type === 'charset.unsupported') {
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'Unsupported request encoding',
      };
    }
    return { status, code: STATUS_CODES[status] ?? 'VALIDATION_FAILED', message: 'Bad request' };
  }
  return { status: 500, code: 'INTERNAL', message: 'Internal server error' };
}

/**
 * A failed query carries its parameters (key prefixes and hashes, run params) and the driver's
 * SQL with them inlined: only the statement's shape and the database's reason are logged.
 */
function loggable(exception: unknown): unknown {
  if (!(exception instanceof QueryFailedError)) return exception;
  const driver = exception.driverError as { code?: string; sqlMessage?: string } | undefined;
  return {
    type: 'QueryFailedError',
    code: driver?.code,
    message: driver?.sqlMessage ?? exception.message,
    query: exception.query.replace(/\s+/g, ' ').slice(0, 300),
    stack: exception.stack?.split('\n').slice(1).join('\n'),
  };
}

/** The one place errors become the envelope of docs/api.md. Never leaks a stack or SQL. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const error = normaliseError(exception);

    if (error.status >= 500) {
      // A 5xx the code chose (not ready, robot unavailable) is an outage, not a bug: no stack.
      if (exception instanceof AppException) this.logger.warn(`${error.code}: ${error.message}`);
      else this.logger.error({ err: loggable(exception) }, 'Unhandled error');
    }
    if (res.headersSent) {
      // A stream (SSE) already started: the only thing left to do is to end it.
      if (!res.writableEnded) res.end();
      return;
    }
    const status =
      isLegacyRequest(req) && LEGACY_BUSINESS_STATUSES.has(error.status) ? 200 : error.status;
    if (error.headers) res.set(error.headers);
    sendErrorEnvelope(req, res, status, error);
  }
}
