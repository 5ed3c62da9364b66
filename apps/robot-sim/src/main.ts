import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { RobotSimModule } from './robot-sim.module';
import { runExecutors } from './executor-mode';

/**
 * The robot simulator as its own process (docs/robot-service.md). Settings: PORT (8030),
 * SIM_ACCESS_TOKEN (optional bearer token), SIM_DELAY_MS (default task duration, 1000),
 * SIM_CALLBACK_SECRET (signs the callbacks of tasks created with a callback_url).
 * With `--executor` (or SIM_EXECUTOR_URL set) it is an executor instead: see executor-mode.ts.
 */
async function main(): Promise<void> {
  if (process.argv.includes('--executor') || process.env.SIM_EXECUTOR_URL) {
    await runExecutors(process.env);
    return;
  }
  const port = Number(process.env.PORT ?? 8030);
  const delay = Number(process.env.SIM_DELAY_MS ?? 1000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535 (got "${process.env.PORT}")`);
  }
  if (!Number.isInteger(delay) || delay < 0) {
    throw new Error(
      `SIM_DELAY_MS must be a non-negative integer (got "${process.env.SIM_DELAY_MS}")`,
    );
  }
  const app = await NestFactory.create<NestExpressApplication>(
    RobotSimModule.register({
      accessToken: process.env.SIM_ACCESS_TOKEN ?? '',
      defaults: { delay_ms: delay },
      callbackSecret: process.env.SIM_CALLBACK_SECRET ?? '',
    }),
    { logger: ['error', 'warn'] },
  );
  app.useBodyParser('json', { limit: '5mb' });
  app.set('etag', false);
  // Longer than any client's idle pool timeout, so pooled connections rarely meet a close.
  app.getHttpServer().keepAliveTimeout = 65_000;
  app.enableShutdownHooks();
  await app.listen(port, '0.0.0.0');
  process.stdout.write(`robot-sim listening on ${await app.getUrl()}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `robot-sim failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
