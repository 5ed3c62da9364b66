import { randomBytes } from 'node:crypto';

/** A run id unique across concurrent test files and machines sharing MariaDB and Redis. */
export function uniqueRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Environment for one isolated test application: its own database and Redis key prefix,
 * so runs never collide. Values override .env.default; callers add what they need.
 */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const id = uniqueRunId();
  return {
    NODE_ENV: 'test',
    PORT: '0',
    APP_ROLE: 'all',
    DATABASE_URL: `mysql://root@127.0.0.1:3306/rpa_test_${id}`,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `rpatest:${id}`,
    LOG_LEVEL: 'warn',
    AUTH_TRUST_USER_HEADER: 'true',
    API_KEY_PEPPER: `test-pepper-${id}-0123456789`,
    ROBOT_MODE: 'simulator',
    SIM_DELAY_MS: '50',
    ROBOT_POLL_MIN_MS: '20',
    ROBOT_POLL_MAX_MS: '200',
    SSE_PING_MS: '200',
    ...overrides,
  };
}
