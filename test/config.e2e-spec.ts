import { testEnv } from './support/env';
import { API_MAIN, runNodeToExit } from './support/process';

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
});
