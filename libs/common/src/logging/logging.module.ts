import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { AppConfig } from '../config';
import { REDACT_PATHS, redactUrl } from './redact';
import { requestIdFor } from './request-id';

type Req = IncomingMessage & { id?: string; originalUrl?: string };

function transportFor(config: AppConfig): pino.TransportMultiOptions | undefined {
  if (!config.logDir) return undefined;
  mkdirSync(config.logDir, { recursive: true });
  return {
    targets: [
      { target: 'pino/file', level: config.logLevel, options: { destination: 1 } },
      {
        target: 'pino-roll',
        level: config.logLevel,
        options: {
          file: join(config.logDir, 'rpa-openapi'),
          extension: '.log',
          frequency: 'daily',
          size: '50m',
          mkdir: true,
          limit: { count: 14 },
        },
      },
    ],
  };
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          transport: transportFor(config),
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
      }),
    }),
  ],
})
export class LoggingModule {}
