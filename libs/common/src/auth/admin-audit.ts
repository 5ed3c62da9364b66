import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, tap } from 'rxjs';
import { normaliseError } from '../errors';
import { redactUrl, requestIdFor } from '../logging';

/** Optional, unverified name of the operator, recorded in the audit line (the token is shared). */
export const ADMIN_ACTOR_HEADER = 'x-admin-actor';
const ACTOR = /^[A-Za-z0-9 ._@:-]{1,64}$/;

export interface AdminAuditEntry {
  /** `<METHOD> <route pattern>`, e.g. `POST /admin/queue/pause`. */
  action: string;
  /** Route parameters and body fields that say what was acted on. */
  target?: Record<string, unknown>;
  outcome: 'ok' | 'error';
  status: number;
  error?: string;
  summary?: Record<string, unknown>;
}

function actorOf(req: Request): string {
  const header = req.headers[ADMIN_ACTOR_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACTOR.test(value) ? `admin:${value}` : 'admin';
}

/**
 * One structured `admin action` line per admin request (who, what, outcome), under the
 * `audit` key, for the platform's log pipeline. The admin token itself is never logged.
 */
export class AdminAuditLog {
  private readonly logger = new Logger('AdminAudit');

  record(req: Request, entry: AdminAuditEntry): void {
    const audit = {
      ...entry,
      actor: actorOf(req),
      ip: req.ip,
      user_agent: req.headers['user-agent'],
      request_id: requestIdFor(req, req.res as Response),
      path: redactUrl(req.originalUrl ?? req.url),
    };
    this.logger.log({ audit }, 'admin action');
  }
}

/** What an answer says in a few fields (counts, ids), so the log line tells the effect. */
function summarise(data: unknown): Record<string, unknown> | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
      out[key] = value;
    }
  }
  const execution = (data as { execution?: { id?: unknown; status?: unknown } }).execution;
  if (execution) Object.assign(out, { execution_id: execution.id, status: execution.status });
  return Object.keys(out).length ? out : undefined;
}

@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  private readonly audit = new AdminAuditLog();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const route = (req as Request & { route?: { path?: string } }).route?.path ?? req.path;
    const body = req.body && typeof req.body === 'object' ? (req.body as object) : {};
    const target = { ...req.params, ...body };
    const base = {
      action: `${req.method} ${route}`,
      target: Object.keys(target).length ? target : undefined,
    };
    return next.handle().pipe(
      tap({
        next: (data) =>
          this.audit.record(req, {
            ...base,
            outcome: 'ok',
            status: res.statusCode,
            summary: summarise(data),
          }),
        error: (err: unknown) => {
          const error = normaliseError(err);
          this.audit.record(req, {
            ...base,
            outcome: 'error',
            status: error.status,
            error: error.code,
          });
        },
      }),
    );
  }
}
