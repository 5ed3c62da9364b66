import { ConfigValues, parseDatabaseUrl, redactPassword } from '@app/common';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { RedisService } from '@app/common';

const CHECK_TIMEOUT_MS = 5000;

/** A start-up failure worth one line: which setting, what was tried, why it failed. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

const reason = (err: unknown): string =>
  redactPassword(((err as Error)?.message ?? String(err)).split('\n')[0]).slice(0, 300);

/** Connects once to MySQL, without choosing a database (it may not exist yet). */
async function checkDatabase(url: string): Promise<void> {
  const target = parseDatabaseUrl(url);
  const where = `${target.user}@${target.host}:${target.port}`;
  try {
    const connection = await createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      connectTimeout: CHECK_TIMEOUT_MS,
    });
    await connection.end();
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new StartupError(
      `DATABASE_URL: cannot connect to MySQL as ${where}: ${reason(err)}${code ? ` (${code})` : ''}`,
    );
  }
}

/** Connects once to Redis and selects the database of the URL. */
async function checkRedis(url: string): Promise<void> {
  const options = RedisService.optionsFrom(url);
  const where = `${options.host}:${options.port}/${options.db ?? 0}`;
  const client = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new StartupError(`REDIS_URL: cannot use Redis at ${where}: ${reason(err)}`);
  } finally {
    client.disconnect();
  }
}

/**
 * Before Nest starts anything: a wrong password, a closed port or a bad database number is
 * reported in one line naming the setting, instead of a framework stack trace or retries.
 */
export async function checkDependencies(values: ConfigValues): Promise<void> {
  await checkDatabase(values.DATABASE_URL);
  await checkRedis(values.REDIS_URL);
}
