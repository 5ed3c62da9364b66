import { testEnv } from './support/env';
import { waitFor } from './support/wait';
import { API_MAIN, freePort, runNodeToExit, spawnApi } from './support/process';

/** A bad value stops the built service before it touches anything, with one readable line. */
describe('Configuration at start-up of the built service (e2e)', () => {
  it.each([
    ['PORT', 'abc', /^Invalid configuration: PORT must be an integer between 0 and 65535/],
    ['ROBOT_MODE', 'nope', /^Invalid configuration: ROBOT_MODE must be one of simulator, http/],
    ['DATABASE_URL', 'not-a-url', /^Invalid configuration: DATABASE_URL must be a URL/],
    ['REDIS_URL', 'mysql://127.0.0.1', /^Invalid configuration: REDIS_URL must be a URL/],
    ['APP_ROLE', 'boss', /^Invalid configuration: APP_ROLE must be one of all, api, worker/],
    ['AUTH_TRUST_USER_HEADER', 'perhaps', /^Invalid configuration: AUTH_TRUST_USER_HEADER/],
    ['BODY_LIMIT', 'huge', /^Invalid configuration: BODY_LIMIT must be a size/],
  ])(
    'should refuse %s=%s with exit code 1 and one line naming the key',
    async (key, value, line) => {
      const env = testEnv({ [key]: value });
      delete env.PORT;

      const sut = await runNodeToExit({
        script: API_MAIN,
        env,
        port: key === 'PORT' ? value : undefined,
      });

      expect(sut.timedOut).toBe(false);
      expect(sut.code).toBe(1);
      expect(sut.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
      expect(sut.stdout).toBe('');
    },
  );

  it('should not echo a password or a secret in the reason', async () => {
    const badUrl = await runNodeToExit({
      script: API_MAIN,
      env: testEnv({ DATABASE_URL: 'mysql://root:hunter2@bad host/rpa' }),
    });
    const shortPepper = await runNodeToExit({
      script: API_MAIN,
      env: testEnv({ API_KEY_PEPPER: 'too-short' }),
    });

    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/DATABASE_URL/);
    expect(badUrl.stderr).not.toContain('hunter2');
    expect(shortPepper.code).toBe(1);
    expect(shortPepper.stderr.trim()).toBe(
      'Invalid configuration: API_KEY_PEPPER must be at least 16 characters long',
    );
  });

  it('should refuse the committed development pepper in production', async () => {
    const env = testEnv({ NODE_ENV: 'production' });
    delete env.API_KEY_PEPPER;

    const sut = await runNodeToExit({ script: API_MAIN, env });

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim()).toBe(
      'Invalid configuration: API_KEY_PEPPER must be set to a secret of your own in production',
    );
  });

  it.each([
    [
      'a wrong database password',
      'mysql://root:hunter2@127.0.0.1:3306/rpa_x',
      /^Start-up failed: DATABASE_URL: cannot connect to MySQL as root@127\.0\.0\.1:3306: .*Access denied/,
    ],
    [
      'a closed database port',
      'mysql://root:hunter2@127.0.0.1:{closed}/rpa_x',
      /^Start-up failed: DATABASE_URL: cannot connect to MySQL as root@127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    ],
  ])('should name DATABASE_URL in one line for %s', async (_, url, line) => {
    const closed = await freePort();
    const sut = await runNodeToExit({
      script: API_MAIN,
      env: testEnv({ DATABASE_URL: url.replace('{closed}', String(closed)) }),
    });

    expect(sut.code).toBe(1);
    expect(sut.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
    expect(sut.stderr + sut.stdout).not.toContain('hunter2');
  });

  it('should name REDIS_URL in one line for a closed port, password masked', async () => {
    const closed = await freePort();
    const sut = await runNodeToExit({
      script: API_MAIN,
      env: testEnv({ REDIS_URL: `redis://:hunter2@127.0.0.1:${closed}` }),
    });

    expect(sut.code).toBe(1);
    expect(sut.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^Start-up failed: REDIS_URL: cannot use Redis at 127\.0\.0\.1:\d+\/0: /,
      ),
    ]);
    expect(sut.stderr + sut.stdout).not.toContain('hunter2');
  });

  it('should refuse REDIS_URL=…/abc in one line, password masked', async () => {
    const sut = await runNodeToExit({
      script: API_MAIN,
      env: testEnv({ REDIS_URL: 'redis://:hunter2@127.0.0.1:6379/abc' }),
    });

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim()).toBe(
      'Invalid configuration: REDIS_URL must be a Redis URL whose path is a database number from 0 to 15 (redis://host:6379/0) (got "redis://:***@127.0.0.1:6379/abc")',
    );
  });

  it('should not trust X-User-Id in production when only .env.default turns it on', async () => {
    const env = testEnv({
      NODE_ENV: 'production',
      API_KEY_PEPPER: 'production-pepper-0123456789',
      WEBHOOK_SECRET_KEY: 'production-webhook-key-0123456789',
      ROBOT_MODE: 'simulator',
      SIM_PARAMS_OVERRIDES: 'false',
    });
    delete env.AUTH_TRUST_USER_HEADER;

    const sut = await runNodeToExit({ script: API_MAIN, env });

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim()).toMatch(
      /^Invalid configuration: AUTH_TRUST_USER_HEADER must be set explicitly in production/,
    );
  });

  it('should log the address it really binds to', async () => {
    const app = await spawnApi(testEnv({ LOG_LEVEL: 'info' }));
    try {
      const line = await waitFor(async () => app.output(), {
        what: 'the listening line',
        accept: (out) => out.includes('listening on'),
      });
      expect(line).toMatch(/listening on http:\/\/0\.0\.0\.0:\d+ \(all interfaces\)/);
    } finally {
      await app.stop('SIGTERM');
    }
  });
});
