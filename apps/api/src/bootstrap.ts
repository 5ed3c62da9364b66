import { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  AppConfig,
  ConfigValues,
  boundedJson,
  createValidationPipe,
  httpTracingMiddleware,
  jsonOnly,
  requestIdFor,
  StartupDetailLogger,
  TracingService,
} from '@app/common';
import { AppModule } from './app.module';
import { GracefulShutdownService } from './lifecycle';
import { httpMetricsMiddleware, MetricsService } from './metrics';
import { RedisIoAdapter } from './gateway';

function setupDocs(app: NestExpressApplication): void {
  const document = () =>
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('RPA OpenAPI Service')
        .setDescription(
          'Register robots (workflows), run them with API keys, follow their executions. ' +
            'Every JSON answer is an envelope {code, msg, data}; errors add error and request_id. ' +
            'The API lives under /v1; the unprefixed routes (tag "legacy") serve the ' +
            "platform's existing clients as they expect.",
        )
        .addTag('legacy', "Unprefixed routes of the platform's existing clients")
        .setVersion('1.0')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key or admin token' })
        .build(),
    );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
}

/**
 * Security headers. The pages served here (Swagger UI at /docs, Bull Board at /admin/queues,
 * the live dashboard) load their scripts from this origin and use inline styles, which
 * helmet's default policy allows; only `upgrade-insecure-requests` is dropped, as the
 * service is often reached over plain HTTP inside the platform's network.
 */
function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      directives: { 'upgrade-insecure-requests': null },
    },
  });
}

/** Logs written before the JSON logger takes over are buffered, then replayed into it. */
const SILENT_UNTIL_READY: LoggerService = {
  log: () => undefined,
  error: () => undefined,
  warn: () => undefined,
};

/**
 * Builds the application for any role; main.ts and the e2e tests share it. Signals are
 * main.ts's business (graceful shutdown within SHUTDOWN_TIMEOUT_MS); `app.close()` runs the
 * same drain.
 */
export interface CreateAppOptions {
  /** Export spans here whatever OTEL_* says (tests read them from memory). */
  traceExporter?: SpanExporter;
}

export async function createApp(
  values: ConfigValues,
  options: CreateAppOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(values, options.traceExporter),
    {
      bufferLogs: true,
      // A failure while starting reaches main.ts, which reports it in one line: neither
      // process.abort() nor Nest's console logger printing the buffered stack trace in colour.
      abortOnError: false,
      logger: SILENT_UNTIL_READY,
      // Parsers are registered below, JSON only; Nest's defaults would add urlencoded forms.
      bodyParser: false,
      // Kept on each request as req.rawBody: signed robot callbacks are verified over it.
      rawBody: true,
    },
  );
  const config = app.get(AppConfig);
  app.useLogger(new StartupDetailLogger(app.get(Logger)));
  app.disable('x-powered-by');
  // JSON answers are never revalidated; hashing every body for an ETag is wasted work.
  app.set('etag', false);
  // First in the chain, so that every answer (docs included) carries X-Request-ID.
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    requestIdFor(req, res);
    next();
  });
  if (app.get(TracingService).enabled) app.use(httpTracingMiddleware());
  app.use(app.get(GracefulShutdownService).middleware);
  app.use(httpMetricsMiddleware(app.get(MetricsService)));
  app.use(securityHeaders());
  app.use(jsonOnly());
  app.useBodyParser('json', {
    limit: config.bodyLimit,
    type: ['application/json', 'application/*+json'],
  });
  app.use(boundedJson(config.bodyBounds));
  app.useGlobalPipes(createValidationPipe());
  if (config.servesApi) {
    app.useWebSocketAdapter(new RedisIoAdapter(app));
    setupDocs(app);
  }
  return app;
}
