import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
// pino-roll ships no types: it resolves to a SonicBoom stream.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const roll = require('pino-roll') as (options: object) => Promise<unknown>;
import { AppConfig } from '../config';
import { activeTraceId, requestTraceId, TracingService } from '../tracing';
import { REDACT_PATHS, redactUrl } from './redact';
import { requestIdFor } from './request-id';

type Req = IncomingMessage & { id?: string; originalUrl?: string };

/**
 * With LOG_DIR, lines go to stdout and to daily files rotated at 50 MB (14 kept). Streams in
 * this thread rather than pino transports: transports refuse the level formatter every line
 * is written with.
 */
async function destinationFor(config: AppConfig): Promise<pino.DestinationStream | undefined> {
  if (!config.logDir) return undefined;
  mkdirSync(config.logDir, { recursive: true });
  const files = (await roll({
    file: join(config.logDir, 'rpa-openapi'),
    extension: '.log',
    frequency: 'daily',
    size: '50m',
    mkdir: true,
    limit: { count: 14 },
  })) as pino.DestinationStream;
  return pino.multistream([
    { level: config.logLevel, stream: pino.destination(1) },
    { level: config.logLevel, stream: files },
  ]);
}

/** pino-http's own stdout stream unless there are files to write as well. */
function withFiles<T>(options: T, files: pino.DestinationStream | undefined) {
  return files ? ([options, files] as [T, pino.DestinationStream]) : options;
}

/**
 * With tracing on, log lines carry the trace id next to the request id: a request's lines
 * from its server span, every other line (jobs, robot calls, deliveries) from the span it
 * runs in. The mixin steps aside where the request's bindings already hold it.
 */
const traceIdInLogs = {
  customProps: (req: IncomingMessage) => {
    const traceId = requestTraceId(req);
    return traceId ? { trace_id: traceId } : {};
  },
  mixin: (_: object, __: number, logger: pino.Logger) => {
    const traceId = activeTraceId();
    return traceId && !('trace_id' in logger.bindings()) ? { trace_id: traceId } : {};
  },
};

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig, TracingService],
      useFactory: async (config: AppConfig, tracing: TracingService) => ({
        pinoHttp: withFiles(
          {
            ...(tracing.enabled ? traceIdInLogs : {}),
            level: config.logLevel,
            genReqId: (req: IncomingMessage, res: ServerResponse) => requestIdFor(req, res),
            customAttributeKeys: { reqId: 'request_id' },
            redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
            autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
            quietReqLogger: true,
            serializers: {
              // Headers are left out on purpose: they are where credentials travel.
              req: (req: Req) => ({
                method: req.method,
                url: redactUrl(req.originalUrl ?? req.url),
              }),
              res: (res: ServerResponse) => ({ status_code: res.statusCode }),
            },
            base: { pid: process.pid, role: config.role },
            timestamp: pino.stdTimeFunctions.isoTime,
            formatters: { level: (label: string) => ({ level: label }) },
          },
          await destinationFor(config),
        ),
      }),
    }),
  ],
})
export class LoggingModule {}
