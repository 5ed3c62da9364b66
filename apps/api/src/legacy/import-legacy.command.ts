import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConfigValues, buildDataSourceOptions, ensureDatabase } from '@app/common';
import { ENTITIES, MIGRATIONS } from '../database';
import { importLegacyDatabase, openLegacyDatabase } from './legacy-import';

const USAGE =
  'Usage: node dist/apps/api/main.js import-legacy <legacy database URL> [--timezone=+08:00]';

/**
 * `import-legacy`: brings a legacy service's keys, workflows and executions into the database
 * of DATABASE_URL (migrated first) and prints what it did as JSON. Running it again imports
 * only what is new.
 */
export async function runImportLegacy(values: ConfigValues, args: string[]): Promise<number> {
  const url = args.find((a) => !a.startsWith('--'));
  const timezone = args.find((a) => a.startsWith('--timezone='))?.slice('--timezone='.length);
  if (!url || (timezone !== undefined && !/^[+-]\d\d:\d\d$/.test(timezone))) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // stdout carries the report alone; errors still reach stderr.
  Logger.overrideLogger(['error']);
  await ensureDatabase(values.DATABASE_URL);
  const target = await new DataSource(
    buildDataSourceOptions({
      url: values.DATABASE_URL,
      poolSize: 2,
      entities: ENTITIES,
      migrations: MIGRATIONS,
    }),
  ).initialize();
  const source = await openLegacyDatabase(url);
  try {
    await target.runMigrations();
    const report = await importLegacyDatabase(source, target, { timezone });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    await source.end();
    await target.destroy();
  }
}
