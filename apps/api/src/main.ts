import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, redactPassword } from '@app/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { createApp } from './bootstrap';
import { runImportLegacy } from './legacy';
import { checkDependencies } from './startup-checks';

/** What the socket is really bound to: 0.0.0.0 is every interface, not 127.0.0.1. */
function boundAddress(app: NestExpressApplication): string {
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const scope =
    address.address === '0.0.0.0' || address.address === '::'
      ? 'all interfaces'
      : 'this address only';
  return `http://${host}:${address.port} (${scope})`;
}

/**
 * SIGTERM / SIGINT: graceful shutdown (GracefulShutdownService drains, then every module closes);
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
  await checkDependencies(values);
  const app = await createApp(values);
  exitOnSignals(app, values.SHUTDOWN_TIMEOUT_MS);
  await app.listen(values.PORT, values.HOST);
  app
    .get(Logger)
    .log(`RPA OpenAPI Service (${values.APP_ROLE}) listening on ${boundAddress(app)}`, 'Bootstrap');
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`Start-up failed: ${redactPassword(message.split('\n')[0])}\n`);
  process.exit(1);
});
