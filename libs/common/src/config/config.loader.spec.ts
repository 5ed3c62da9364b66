import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig, readEnvLayers } from './config.loader';
import { ConfigError } from './config.schema';

const PEPPER = 'unit-test-pepper-0123456789';
const WSK = 'unit-test-webhook-key-0123456789';

/** parseConfig's answer or the one-line reason it refused. */
function reasonFor(raw: Record<string, string>): string {
  try {
    parseConfig({ API_KEY_PEPPER: PEPPER, WEBHOOK_SECRET_KEY: WSK, ...raw });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config.loader', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rpa-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  const write = (file: string, lines: string[]) =>
    writeFileSync(join(dir, file), `${lines.join('\n')}\n`);

  describe(readEnvLayers.name, () => {
    it('should layer .env.default < .env < .env.local < process environment', () => {
      write('.env.default', ['A=default', 'B=default', 'C=default', 'D=default']);
      write('.env', ['B=env', 'C=env', 'D=env']);
      write('.env.local', ['C=local', 'D=local']);

      const sut = readEnvLayers(dir, { D: 'process' });

      expect(sut).toMatchObject({ A: 'default', B: 'env', C: 'local', D: 'process' });
    });

    it('should skip files that do not exist', () => {
      write('.env.local', ['ONLY=local']);

      const sut = readEnvLayers(dir, {});

      expect(sut).toEqual({ ONLY: 'local' });
    });

    it('should read only the files it is given', () => {
      write('.env.default', ['A=default']);
      write('.env', ['A=env']);

      const sut = readEnvLayers(dir, {}, ['.env.default']);

      expect(sut).toEqual({ A: 'default' });
    });

    it('should parse comments, quotes and empty values as dotenv does', () => {
      write('.env.default', ['# a comment', 'QUOTED="a b # c"', 'EMPTY=', 'TRAILING=x # note']);

      const sut = readEnvLayers(dir, {});

      expect(sut).toEqual({ QUOTED: 'a b # c', EMPTY: '', TRAILING: 'x' });
    });
  });

  describe(loadConfig.name, () => {
    it('should validate the layered files, the process environment and overrides', () => {
      write('.env.default', [
        'PORT=8001',
        'LOG_LEVEL=info',
        `API_KEY_PEPPER=${PEPPER}`,
        `WEBHOOK_SECRET_KEY=${WSK}`,
      ]);
      write('.env', ['PORT=8002', 'ROBOT_MODE=http']);
      write('.env.local', ['PORT=8003']);
      vi.stubEnv('PORT', undefined);
      vi.stubEnv('ROBOT_MODE', undefined);
      vi.stubEnv('LOG_LEVEL', 'debug');

      const sut = loadConfig({ SSE_PING_MS: '500' }, dir);

      expect(sut).toMatchObject({
        PORT: 8003,
        ROBOT_MODE: 'http',
        LOG_LEVEL: 'debug',
        SSE_PING_MS: 500,
      });
    });

    it('should let the process environment win over every file', () => {
      write('.env.local', ['PORT=8003', `API_KEY_PEPPER=${PEPPER}`, `WEBHOOK_SECRET_KEY=${WSK}`]);
      vi.stubEnv('PORT', '9100');

      expect(loadConfig({}, dir).PORT).toBe(9100);
    });

    describe('in production', () => {
      const production = [
        'NODE_ENV=production',
        `API_KEY_PEPPER=${PEPPER}`,
        `WEBHOOK_SECRET_KEY=${WSK}`,
        'AUTH_TRUST_USER_HEADER=false',
        'ROBOT_MODE=http',
      ];
      const reason = () => {
        try {
          loadConfig({}, dir);
        } catch (err) {
          return (err as Error).message;
        }
        return null;
      };
      for (const key of [
        'NODE_ENV',
        'API_KEY_PEPPER',
        'WEBHOOK_SECRET_KEY',
        'AUTH_TRUST_USER_HEADER',
        'ROBOT_MODE',
        'SIM_PARAMS_OVERRIDES',
      ]) {
        beforeEach(() => vi.stubEnv(key, undefined));
      }

      it('should start with every development setting overridden in .env', () => {
        write('.env.default', ['AUTH_TRUST_USER_HEADER=true', 'ROBOT_MODE=simulator']);
        write('.env', production);
        expect(reason()).toBeNull();
      });

      it.each([
        ['AUTH_TRUST_USER_HEADER', 'AUTH_TRUST_USER_HEADER=true'],
        ['ROBOT_MODE', 'ROBOT_MODE=simulator'],
        ['API_KEY_PEPPER', `API_KEY_PEPPER=${PEPPER}`],
        ['WEBHOOK_SECRET_KEY', `WEBHOOK_SECRET_KEY=${WSK}`],
      ])('should refuse %s coming from .env.default', (key, line) => {
        write('.env.default', [line]);
        write(
          '.env',
          production.filter((l) => !l.startsWith(`${key}=`)),
        );
        expect(reason()).toMatch(new RegExp(`^${key} must be set explicitly in production`));
      });

      it('should refuse params.__sim overrides of the simulator unless set explicitly', () => {
        write('.env.default', ['SIM_PARAMS_OVERRIDES=true']);
        write('.env', [
          ...production.filter((l) => !l.startsWith('ROBOT_MODE')),
          'ROBOT_MODE=simulator',
        ]);
        expect(reason()).toMatch(/^SIM_PARAMS_OVERRIDES must be set explicitly/);
        write('.env', [...production, 'ROBOT_MODE=simulator', 'SIM_PARAMS_OVERRIDES=false']);
        expect(reason()).toBeNull();
      });

      it('should take the process environment as explicit', () => {
        write('.env.default', ['AUTH_TRUST_USER_HEADER=true']);
        write(
          '.env',
          production.filter((l) => !l.startsWith('AUTH_TRUST')),
        );
        vi.stubEnv('AUTH_TRUST_USER_HEADER', 'true');
        expect(reason()).toBeNull();
      });
    });

    it('should refuse a bad value from a file with the key named', () => {
      write('.env', ['SSE_PING_MS=often', `API_KEY_PEPPER=${PEPPER}`]);

      expect(() => loadConfig({}, dir)).toThrow(/^SSE_PING_MS must be an integer/);
    });
  });

  describe(parseConfig.name, () => {
    it('should answer the documented defaults for everything left unset', () => {
      const sut = parseConfig({ API_KEY_PEPPER: PEPPER, WEBHOOK_SECRET_KEY: WSK });

      expect(sut).toMatchObject({
        NODE_ENV: 'development',
        PORT: 8020,
        APP_ROLE: 'all',
        DATABASE_URL: 'mysql://root@127.0.0.1:3306/rpa',
        DB_MIGRATE: true,
        REDIS_URL: 'redis://127.0.0.1:6379',
        REDIS_PREFIX: 'rpa',
        LOG_LEVEL: 'info',
        LOG_DIR: '',
        BODY_LIMIT: 1024 * 1024,
        ROBOT_MODE: 'simulator',
        ROBOT_POLL_MIN_MS: 200,
        ROBOT_POLL_MAX_MS: 5000,
        ROBOT_TIMEOUT_MS: 300_000,
        ROBOT_CREATE_ATTEMPTS: 3,
        SYNC_EXECUTE_TIMEOUT_MS: 300_000,
        EXECUTION_CONCURRENCY: 100,
        AUTH_TRUST_USER_HEADER: false,
        ADMIN_TOKEN: '',
        MCP_TOOL_TIMEOUT_MS: 600_000,
        SSE_PING_MS: 3000,
      });
    });

    it('should treat blank values as unset', () => {
      expect(
        parseConfig({ API_KEY_PEPPER: PEPPER, WEBHOOK_SECRET_KEY: WSK, PORT: '  ', LOG_LEVEL: '' }),
      ).toMatchObject({
        PORT: 8020,
        LOG_LEVEL: 'info',
      });
    });

    it('should convert numbers, booleans and sizes', () => {
      const sut = parseConfig({
        API_KEY_PEPPER: PEPPER,
        WEBHOOK_SECRET_KEY: WSK,
        PORT: ' 8030 ',
        AUTH_TRUST_USER_HEADER: 'yes',
        DB_MIGRATE: 'off',
        BODY_LIMIT: '512kb',
      });

      expect(sut).toMatchObject({
        PORT: 8030,
        AUTH_TRUST_USER_HEADER: true,
        DB_MIGRATE: false,
        BODY_LIMIT: 512 * 1024,
      });
      expect(
        parseConfig({ API_KEY_PEPPER: PEPPER, WEBHOOK_SECRET_KEY: WSK, BODY_LIMIT: '2048' })
          .BODY_LIMIT,
      ).toBe(2048);
    });

    it.each([
      ['PORT', 'abc', /^PORT must be an integer between 0 and 65535 \(got "abc"\)$/],
      ['PORT', '70000', /^PORT must be an integer/],
      ['PORT', '80.5', /^PORT must be an integer/],
      ['APP_ROLE', 'everything', /^APP_ROLE must be one of all, api, worker/],
      ['ROBOT_MODE', 'nope', /^ROBOT_MODE must be one of simulator, http/],
      ['LOG_LEVEL', 'loud', /^LOG_LEVEL must be one of/],
      ['DATABASE_URL', 'not-a-url', /^DATABASE_URL must be a URL \(mysql or mariadb\)/],
      ['DATABASE_URL', 'postgres://db/rpa', /^DATABASE_URL must be a URL/],
      ['REDIS_URL', 'http://127.0.0.1:6379', /^REDIS_URL must be a URL \(redis or rediss\)/],
      ['ROBOT_BASE_URL', 'ftp://robot', /^ROBOT_BASE_URL must be a URL/],
      ['AUTH_TRUST_USER_HEADER', 'maybe', /^AUTH_TRUST_USER_HEADER must be true or false/],
      ['BODY_LIMIT', 'lots', /^BODY_LIMIT must be a size/],
      ['REDIS_PREFIX', 'has space', /^REDIS_PREFIX must be 1-64 characters/],
      ['SSE_PING_MS', '5', /^SSE_PING_MS must be an integer between 10 and/],
    ])('should refuse %s=%s naming the key', (key, value, reason) => {
      const sut = reasonFor({ [key]: value });

      expect(sut).toMatch(reason);
      expect(sut).not.toContain('\n');
    });

    it('should never echo a secret or a URL password', () => {
      const pepper = reasonFor({ API_KEY_PEPPER: 'short-secret' });
      const admin = reasonFor({ ADMIN_TOKEN: 'tiny-token' });
      const url = reasonFor({ DATABASE_URL: 'mysql://root:hunter2@bad host/rpa' });

      expect(pepper).toBe('API_KEY_PEPPER must be at least 16 characters long');
      expect(admin).toBe('ADMIN_TOKEN must be at least 16 characters long');
      expect(url).toMatch(/^DATABASE_URL must be a URL/);
      expect(url).not.toContain('hunter2');
    });

    it('should refuse a Redis URL whose path is not a database number, password masked', () => {
      const reason = reasonFor({ REDIS_URL: 'redis://:hunter2@127.0.0.1:6379/abc' });
      expect(reason).toBe(
        'REDIS_URL must be a Redis URL whose path is a database number from 0 to 15 (redis://host:6379/0) (got "redis://:***@127.0.0.1:6379/abc")',
      );
      expect(reasonFor({ REDIS_URL: 'redis://:hunter2@bad host:6379' })).not.toContain('hunter2');
    });

    it('should require a pepper', () => {
      expect(() => parseConfig({})).toThrow(/^API_KEY_PEPPER must be set/);
    });

    it('should refuse the development pepper in production', () => {
      expect(() =>
        parseConfig({
          NODE_ENV: 'production',
          API_KEY_PEPPER: 'dev-only-pepper-change-me-0123456789',
        }),
      ).toThrow(/^API_KEY_PEPPER must be set to a secret of your own in production/);
    });

    it('should refuse a minimum poll interval above the maximum', () => {
      expect(reasonFor({ ROBOT_POLL_MIN_MS: '6000', ROBOT_POLL_MAX_MS: '5000' })).toBe(
        'ROBOT_POLL_MIN_MS must not be greater than ROBOT_POLL_MAX_MS',
      );
    });
  });
});
