import { createConnection } from 'mysql2/promise';
import { DataSource, DataSourceOptions, EntitySchema, MixedList } from 'typeorm';
import { DatabaseLogger } from './database.logger';

export interface DatabaseTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function parseDatabaseUrl(url: string): DatabaseTarget {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    throw new Error('DATABASE_URL must name a database of 1-64 characters of [A-Za-z0-9_]');
  }
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

/** Creates the database named in DATABASE_URL when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = parseDatabaseUrl(url);
  const connection = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    connectTimeout: 10_000,
  });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${target.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

export interface DatabaseOptionsInput {
  url: string;
  poolSize: number;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

export type MysqlOptions = Extract<DataSourceOptions, { type: 'mysql' | 'mariadb' }>;

export function buildDataSourceOptions(input: DatabaseOptionsInput): MysqlOptions {
  const target = parseDatabaseUrl(input.url);
  return {
    type: 'mysql',
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    entities: input.entities,
    migrations: input.migrations,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logger: new DatabaseLogger(),
    poolSize: input.poolSize,
    extra: { connectionLimit: input.poolSize, enableKeepAlive: true },
  };
}

/**
 * Runs pending migrations under a MySQL named lock, so that several processes starting
 * together (api and worker roles) never race on the same DDL.
 */
export async function migrateWithLock(options: MysqlOptions): Promise<string[]> {
  const dataSource = new DataSource({ ...options, migrationsRun: false, poolSize: 1 });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    const [row] = (await runner.query(
      `SELECT GET_LOCK('rpa_migrations', 120) AS locked`,
    )) as Array<{
      locked: number;
    }>;
    if (Number(row?.locked) !== 1) throw new Error('Timed out waiting for the migration lock');
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query(`SELECT RELEASE_LOCK('rpa_migrations')`);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}
