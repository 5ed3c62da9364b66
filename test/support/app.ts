import { NestExpressApplication } from '@nestjs/platform-express';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { DataSource } from 'typeorm';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { parseConfig, readEnvLayers } from '@app/common';
import { createApp } from '../../apps/api/src/bootstrap';
import { dropTestResources } from './cleanup';
import { testEnv } from './env';

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  env: Record<string, string>;
  http: TestAgent;
  db: DataSource;
  close(): Promise<void>;
}

export interface StartTestAppOptions {
  /**
   * Run against another app's environment (its database and Redis prefix), as a second
   * instance of the same deployment. close() then leaves those resources to their owner.
   */
  shareEnvOf?: { env: Record<string, string> };
  /** Where the app exports its spans (an InMemorySpanExporter), whatever OTEL_* says. */
  traceExporter?: SpanExporter;
}

/**
 * Starts the real application in this process on a random port, against its own MariaDB
 * database and Redis prefix (both removed by close()).
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  options: StartTestAppOptions = {},
): Promise<TestApp> {
  const owner = !options.shareEnvOf;
  const env = options.shareEnvOf ? { ...options.shareEnvOf.env, ...overrides } : testEnv(overrides);
  // Only the committed defaults: a developer's own .env must not change test outcomes.
  const defaults = readEnvLayers(process.cwd(), {}, ['.env.default']);
  let app: NestExpressApplication | undefined;
  try {
    app = await createApp(parseConfig({ ...defaults, ...env }), {
      traceExporter: options.traceExporter,
    });
    // A fixed PORT for tests that must know their address first (PUBLIC_BASE_URL).
    await app.listen(Number(env.PORT ?? 0), '127.0.0.1');
  } catch (err) {
    await app?.close().catch(() => undefined);
    if (owner) await dropTestResources(env).catch(() => undefined);
    throw err;
  }
  const started = app;
  const url = (await started.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app: started,
    url,
    env,
    http: request(url),
    db: started.get(DataSource),
    close: async () => {
      await started.close();
      if (owner) await dropTestResources(env);
    },
  };
}
