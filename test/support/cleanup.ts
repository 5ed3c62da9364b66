import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { parseDatabaseUrl } from '@app/common';

/** Drops a test run's database and every Redis key under its prefix. */
export async function dropTestResources(env: Record<string, string>): Promise<void> {
  const target = parseDatabaseUrl(env.DATABASE_URL);
  if (!target.database.startsWith('rpa_test_'))
    throw new Error('refusing to drop a non-test database');
  const connection = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
  });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${target.database}\``);
  } finally {
    await connection.end();
  }
  const redis = new Redis(env.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch {
    // A Redis that is gone (a test's own, already stopped) holds nothing left to remove.
    redis.disconnect();
    return;
  }
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_PREFIX}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
