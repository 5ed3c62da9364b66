import { NestExpressApplication } from '@nestjs/platform-express';
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

/**
 * Starts the real application in this process on a random port, against its own MariaDB
 * database and Redis prefix (both removed by close()).
 */
export async function startTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  const env = testEnv(overrides);
  // Only the committed defaults: a developer's own .env must not change test outcomes.
  const defaults = readEnvLayers(process.cwd(), {}, ['.env.default']);
  const app = await createApp(parseConfig({ ...defaults, ...env }));
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    env,
    http: request(url),
    db: app.get(DataSource),
    close: async () => {
      await app.close();
      await dropTestResources(env);
    },
  };
}
