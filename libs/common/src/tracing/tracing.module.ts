import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { TraceContextInterceptor } from './http-tracing';
import { TRACE_EXPORTER, TracingService } from './tracing.service';

@Global()
@Module({})
export class TracingModule {
  /** `exporter`: export spans there whatever the configuration says (tests). */
  static forRoot(exporter?: SpanExporter): DynamicModule {
    return {
      module: TracingModule,
      providers: [
        TracingService,
        ...(exporter ? [{ provide: TRACE_EXPORTER, useValue: exporter }] : []),
        { provide: APP_INTERCEPTOR, useClass: TraceContextInterceptor },
      ],
      exports: [TracingService],
    };
  }
}
