import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  Sampler,
  SimpleSpanProcessor,
  SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { AppConfig } from '../config';

/** An exporter given in code (tests use an in-memory one); wins over OTEL_TRACES_EXPORTER. */
export const TRACE_EXPORTER = Symbol('TRACE_EXPORTER');

function samplerFor(name: string, ratio: number): Sampler {
  const root = name.endsWith('always_off')
    ? new AlwaysOffSampler()
    : name.endsWith('traceidratio')
      ? new TraceIdRatioBasedSampler(ratio)
      : new AlwaysOnSampler();
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

/**
 * Owns the process's OpenTelemetry tracer provider. Off (no provider, every span a no-op and
 * no `traceparent` sent anywhere) unless an exporter is configured. When on, it registers the
 * W3C propagator and an AsyncLocalStorage context manager globally, which is what lets spans
 * started anywhere (HTTP, jobs, robot calls, webhook deliveries) find their parent.
 */
@Injectable()
export class TracingService implements OnApplicationShutdown {
  private readonly logger = new Logger(TracingService.name);
  private readonly provider?: NodeTracerProvider;

  constructor(config: AppConfig, @Optional() @Inject(TRACE_EXPORTER) given?: SpanExporter) {
    const settings = config.tracing;
    const exporter =
      given ??
      (settings.exporter === 'otlp'
        ? new OTLPTraceExporter({ url: settings.otlpUrl, headers: settings.otlpHeaders })
        : settings.exporter === 'console'
          ? new ConsoleSpanExporter()
          : undefined);
    if (!exporter) return;
    this.provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
      sampler: samplerFor(settings.sampler, settings.samplerRatio),
      // Batching is for the network; an exporter given in code sees each span as it ends.
      spanProcessors: [
        settings.exporter === 'otlp' && !given
          ? new BatchSpanProcessor(exporter)
          : new SimpleSpanProcessor(exporter),
      ],
    });
    this.provider.register({ propagator: new W3CTraceContextPropagator() });
    const target = given
      ? 'an exporter given in code'
      : settings.exporter === 'otlp'
        ? `OTLP/HTTP at ${new URL(settings.otlpUrl).origin}`
        : 'the console';
    this.logger.log(`TracingService on: spans go to ${target}`);
  }

  get enabled(): boolean {
    return this.provider !== undefined;
  }

  /** Last of all: spans of the shutdown itself are flushed before the exporter goes. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.provider) return;
    await this.provider.shutdown().catch((err: Error) => {
      this.logger.warn(`Could not flush traces: ${err.message}`);
    });
    trace.disable();
    context.disable();
    propagation.disable();
  }
}
