import {
  Attributes,
  context,
  Context,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/** W3C trace context (`traceparent`, `tracestate`) as carried in job payloads and events. */
export type TraceCarrier = Record<string, string>;

export const TRACER_NAME = 'rpa-openapi-service';

const tracer = () => trace.getTracer(TRACER_NAME);

/**
 * The current trace context, to store next to work that another process picks up later (a
 * job, an event). Undefined when tracing is off or nothing is being traced.
 */
export function traceCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** Adds `traceparent` (and `tracestate`) of the current span to outgoing HTTP headers. */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), headers);
  return headers;
}

/** The context a carrier describes; the current one when there is none. */
export function contextFrom(carrier: TraceCarrier | undefined): Context {
  return carrier?.traceparent ? propagation.extract(ROOT_CONTEXT, carrier) : context.active();
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Continue this trace (from a job or an event) instead of the current one. */
  parent?: TraceCarrier;
}

/**
 * Runs `work` inside a new span, which ends when the work settles; errors mark the span and
 * are rethrown unchanged. With tracing off this costs a no-op span.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ? contextFrom(options.parent) : context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** The trace id of the current span, for log lines; undefined when nothing is traced. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}

export { SpanKind };
