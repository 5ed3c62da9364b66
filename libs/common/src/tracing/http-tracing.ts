import { IncomingMessage, ServerResponse } from 'node:http';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import {
  context,
  Context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { Observable } from 'rxjs';
import { TRACER_NAME } from './trace-context';

const REQUEST_CONTEXT = Symbol('rpa.trace-context');

type TracedRequest = IncomingMessage & {
  [REQUEST_CONTEXT]?: Context;
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: unknown };
};

/** Probes would fill the trace store with nothing worth reading. */
const UNTRACED = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Starts the server span of every request (continuing the caller's `traceparent`) and ends it
 * when the response is done. Installed only when tracing is on.
 */
export function httpTracingMiddleware() {
  const tracer = trace.getTracer(TRACER_NAME);
  return (req: TracedRequest, res: ServerResponse, next: () => void): void => {
    const path = (req.originalUrl ?? req.url ?? '/').split('?')[0];
    if (UNTRACED.test(path)) return next();
    const method = req.method ?? 'GET';
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: path },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    req[REQUEST_CONTEXT] = active;
    res.once('close', () => {
      const route =
        typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : '';
      if (route) {
        span.updateName(`${method} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(active, next);
  };
}

/** The trace id of a request's server span, for its log lines. */
export function requestTraceId(req: IncomingMessage): string | undefined {
  const ctx = (req as TracedRequest)[REQUEST_CONTEXT];
  const span = ctx && trace.getSpan(ctx)?.spanContext();
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}

/**
 * Runs each handler inside its request's span: body parsing hands the request on from a
 * stream callback, which does not carry the context the middleware entered.
 */
@Injectable()
export class TraceContextInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const active = ctx.switchToHttp().getRequest<TracedRequest>()[REQUEST_CONTEXT];
    if (!active) return next.handle();
    return new Observable((subscriber) =>
      context.with(active, () => next.handle().subscribe(subscriber)),
    );
  }
}
