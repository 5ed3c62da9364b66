import 'reflect-metadata';
import { ConfigError, loadConfig } from '@app/common';
import { Logger } from 'nestjs-pino';
import { createApp } from './bootstrap';

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
  const app = await createApp(values);
  await app.listen(values.PORT, '0.0.0.0');
  const url = await app.getUrl();
  app.get(Logger).log(`RPA OpenAPI Service (${values.APP_ROLE}) listening on ${url}`, 'Bootstrap');
}

main().catch((err: unknown) => {
  process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
