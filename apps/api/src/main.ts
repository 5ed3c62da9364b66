import 'reflect-metadata';
import { ConfigError, loadConfig } from '@app/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { createApp } from './bootstrap';
import { runImportLegacy } from './legacy/import-legacy.command';

/**
 * SIGTERM / SIGINT: graceful shutdown (GracefulShutdown drains, then every module closes);
 * the process exits 0 when done, or 1 when SHUTDOWN_TIMEOUT_MS runs out first. A second
 * SIGINT (Ctrl-C twice) exits at once.
 */
function exitOnSignals(app: NestExpressApplication, timeoutMs: number): void {
  const logger = app.get(Logger);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    stopping = true;
    const started = Date.now();
    logger.log(`${signal} received: shutting down (at most ${timeoutMs} ms)`, 'Bootstrap');
    setTimeout(() => {
      logger.error(`Shutdown did not finish within ${timeoutMs} ms: exiting now`, 'Bootstrap');
      process.exit(1);
    }, timeoutMs).unref();
    app
      .close()
      .then(() => {
        logger.log(`Shut down cleanly in ${Date.now() - started} ms`, 'Bootstrap');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error(`Shutdown failed: ${(err as Error).message}`, 'Bootstrap');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function main(): Promise<void> {
  let values;
  try {
    values = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Invalid configuration: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (process.argv[2] === 'import-legacy') {
    process.exit(await runImportLegacy(values, process.argv.slice(3)));
  }
  const app = await createApp(values);
  exitOnSignals(app, values.SHUTDOWN_TIMEOUT_MS);
  await app.listen(values.PORT, '0.0.0.0');
  const url = await app.getUrl();
  app.get(Logger).log(`RPA OpenAPI Service (${values.APP_ROLE}) listening on ${url}`, 'Bootstrap');
}

main().catch((err: unknown) => {
  process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
