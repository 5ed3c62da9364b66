import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/common';

/** Every `table.column` of the current database whose value contains `needle` as text. */
export async function columnsContaining(db: DataSource, needle: string): Promise<string[]> {
  const tables = (await db.query(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
  )) as Array<{ name: string }>;
  const found: string[] = [];
  for (const { name } of tables) {
    const rows = (await db.query(`SELECT * FROM \`${name}\``)) as Array<Record<string, unknown>>;
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        const text = Buffer.isBuffer(value) ? value.toString('utf8') : JSON.stringify(value);
        if (text?.includes(needle)) found.push(`${name}.${column}`);
      }
    }
  }
  return found;
}

/** A connection to the database of a test environment (e.g. a spawned app's). */
export async function openDatabase(env: Record<string, string>): Promise<DataSource> {
  const options = buildDataSourceOptions({
    url: env.DATABASE_URL,
    poolSize: 2,
    entities: [],
    migrations: [],
  });
  return new DataSource(options).initialize();
}
