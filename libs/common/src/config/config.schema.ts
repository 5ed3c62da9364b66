/**
 * The one schema every configuration value is checked against at start-up.
 * Each entry parses a raw string into a typed value or explains, in one line, why it cannot.
 */
type Parser<T> = (raw: string | undefined, key: string) => T;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const fail = (key: string, expected: string, raw: string | undefined): never => {
  throw new ConfigError(`${key} must be ${expected} (got "${raw ?? ''}")`);
};

const int =
  (def: number, min: number, max: number = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw, key) => {
    if (raw === undefined || raw.trim() === '') return def;
    const value = Number(raw.trim());
    if (!Number.isInteger(value) || value < min || value > max) {
      return fail(key, `an integer between ${min} and ${max}`, raw);
    }
    return value;
  };

const bool =
  (def: boolean): Parser<boolean> =>
  (raw, key) => {
    if (raw === undefined || raw.trim() === '') return def;
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    return fail(key, 'true or false', raw);
  };

const oneOf =
  <T extends string>(def: T, values: readonly T[]): Parser<T> =>
  (raw, key) => {
    if (raw === undefined || raw.trim() === '') return def;
    const v = raw.trim() as T;
    if (!values.includes(v)) return fail(key, `one of ${values.join(', ')}`, raw);
    return v;
  };

const str =
  (def: string, pattern?: RegExp, expected?: string): Parser<string> =>
  (raw, key) => {
    if (raw === undefined || raw.trim() === '') return def;
    const v = raw.trim();
    if (pattern && !pattern.test(v)) return fail(key, expected ?? `matching ${pattern}`, raw);
    return v;
  };

/** Secrets are never echoed back in an error. */
const secret =
  (minLength: number): Parser<string> =>
  (raw, key) => {
    if (raw === undefined || raw.trim() === '') return '';
    if (raw.trim().length < minLength) {
      throw new ConfigError(`${key} must be at least ${minLength} characters long`);
    }
    return raw.trim();
  };

const url =
  (def: string, protocols: string[], check?: (url: URL) => string | null): Parser<string> =>
  (raw, key) => {
    const v = raw === undefined || raw.trim() === '' ? def : raw.trim();
    if (v === '') return v;
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      return fail(key, `a URL (${protocols.join(' or ')})`, redactPassword(v));
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      return fail(key, `a URL (${protocols.join(' or ')})`, redactPassword(v));
    }
    const problem = check?.(parsed);
    if (problem) return fail(key, problem, redactPassword(v));
    return v;
  };

/** Redis databases are numbered: the path is empty or /0 … /15 (Redis's default count). */
const redisDatabase = (url: URL): string | null =>
  /^\/?(?:\d|1[0-5])?$/.test(url.pathname)
    ? null
    : 'a Redis URL whose path is a database number from 0 to 15 (redis://host:6379/0)';

const size =
  (def: string): Parser<number> =>
  (raw, key) => {
    const v = (raw === undefined || raw.trim() === '' ? def : raw.trim()).toLowerCase();
    const match = /^(\d+)(b|kb|mb)?$/.exec(v);
    if (!match) return fail(key, 'a size such as 512kb or 1mb', raw);
    const unit = match[2] === 'mb' ? 1024 * 1024 : match[2] === 'kb' ? 1024 : 1;
    return Number(match[1]) * unit;
  };

/** Drops the password of a URL (`user:pw@`, `:pw@`) so it can be shown in an error. */
export function redactPassword(value: string): string {
  return value.replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@');
}

export const APP_ROLES = ['all', 'api', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];
export const ROBOT_MODES = ['simulator', 'http', 'executor'] as const;
export type RobotMode = (typeof ROBOT_MODES)[number];
export const OTEL_TRACES_EXPORTERS = ['', 'otlp', 'console', 'none'] as const;
export type OtelTracesExporter = (typeof OTEL_TRACES_EXPORTERS)[number];
export const OTEL_SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;
export type OtelSampler = (typeof OTEL_SAMPLERS)[number];

const ratio =
  (def: number): Parser<number> =>
  (raw, key) => {
    if (raw === undefined || raw.trim() === '') return def;
    const value = Number(raw.trim());
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      return fail(key, 'a number between 0 and 1', raw);
    }
    return value;
  };

/** `key=value` pairs separated by commas (OTEL_EXPORTER_OTLP_HEADERS); values are secret. */
const headerList: Parser<Record<string, string>> = (raw, key) => {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    if (!pair.trim()) continue;
    const at = pair.indexOf('=');
    const name = at > 0 ? pair.slice(0, at).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      throw new ConfigError(`${key} must be a comma-separated list of name=value pairs`);
    }
    headers[name] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const configSchema = {
  NODE_ENV: oneOf('development', ['development', 'production', 'test'] as const),
  PORT: int(8020, 0, 65535),
  HOST: str('0.0.0.0', /^[0-9A-Za-z.:-]{1,255}$/, 'an IP address or host name to bind to'),
  APP_ROLE: oneOf<AppRole>('all', APP_ROLES),
  DATABASE_URL: url('mysql://root@127.0.0.1:3306/rpa', ['mysql', 'mariadb']),
  DB_MIGRATE: bool(true),
  DB_POOL_SIZE: int(20, 1, 500),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis', 'rediss'], redisDatabase),
  REDIS_PREFIX: str('rpa', /^[A-Za-z0-9:_-]{1,64}$/, '1-64 characters of [A-Za-z0-9:_-]'),
  LOG_LEVEL: oneOf<LogLevel>('info', LOG_LEVELS),
  LOG_DIR: str(''),
  BODY_LIMIT: size('1mb'),
  BODY_MAX_DEPTH: int(32, 2, 1000),
  BODY_MAX_MEMBERS: int(10_000, 10, 10_000_000),
  BODY_MAX_STRING: size('256kb'),
  ROBOT_MODE: oneOf<RobotMode>('simulator', ROBOT_MODES),
  ROBOT_BASE_URL: url('http://127.0.0.1:8030', ['http', 'https']),
  ROBOT_ACCESS_TOKEN: str(''),
  ROBOT_POLL_MIN_MS: int(200, 1, 60_000),
  ROBOT_POLL_MAX_MS: int(5000, 1, 600_000),
  ROBOT_TIMEOUT_MS: int(300_000, 1, 7 * 24 * 3600 * 1000),
  ROBOT_CREATE_ATTEMPTS: int(3, 1, 20),
  ROBOT_HTTP_TIMEOUT_MS: int(10_000, 100, 600_000),
  ROBOT_QUERY_FAILURES_TOLERATED: int(5, 0, 1000),
  ROBOT_POLL_FALLBACK_MS: int(30_000, 100, 3_600_000),
  ROBOT_POLL_RATE_MAX: int(500, 0, 1_000_000),
  PUBLIC_BASE_URL: url('', ['http', 'https']),
  ROBOT_CALLBACK_SIGNING_SECRET: secret(16),
  SIM_DELAY_MS: int(1000, 0, 3_600_000),
  SIM_PARAMS_OVERRIDES: bool(false),
  EXECUTOR_PING_TIMEOUT_MS: int(90_000, 100, 3_600_000),
  EXECUTOR_WAIT_MS: int(60_000, 0, 24 * 3600 * 1000),
  EXECUTOR_LOST_GRACE_MS: int(30_000, 0, 24 * 3600 * 1000),
  EXECUTOR_MAX_RUNS: int(1, 1, 1000),
  EXECUTOR_RECEIPT_MS: int(10_000, 100, 3_600_000),
  SYNC_EXECUTE_TIMEOUT_MS: int(300_000, 0, 3_600_000),
  EXECUTION_CONCURRENCY: int(100, 1, 10_000),
  EXECUTION_LOG_LIMIT: int(500, 1, 100_000),
  JOB_LOCK_MS: int(15_000, 1000, 600_000),
  JOB_STALLED_INTERVAL_MS: int(5_000, 500, 600_000),
  AUTH_TRUST_USER_HEADER: bool(false),
  API_KEY_PEPPER: secret(16),
  API_KEY_CACHE_TTL_MS: int(60_000, 0, 3_600_000),
  API_KEY_TOUCH_FLUSH_MS: int(10_000, 100, 3_600_000),
  ADMIN_TOKEN: secret(16),
  SCHEMA_VALIDATION_BUDGET_MS: int(1000, 10, 60_000),
  MCP_TOOL_TIMEOUT_MS: int(600_000, 1, 24 * 3600 * 1000),
  MCP_ALLOW_QUERY_KEY: bool(true),
  MCP_MAX_BATCH: int(10, 1, 100),
  MCP_TOOLS_PAGE_SIZE: int(100, 1, 1000),
  MCP_TOOLS_PAGE_BYTES: int(256 * 1024, 1024, 16 * 1024 * 1024),
  SSE_PING_MS: int(3000, 10, 600_000),
  EXECUTION_RETENTION_DAYS: int(30, 1, 36_500),
  RETENTION_BATCH_SIZE: int(1000, 1, 100_000),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 1000, 600_000),
  RECONCILE_ON_START: bool(true),
  RECONCILE_INTERVAL_MS: int(30_000, 0, 24 * 3600 * 1000),
  METRICS_TOKEN: secret(16),
  RATE_LIMIT_START_PER_MINUTE: int(600, 0, 1_000_000),
  MAX_ACTIVE_EXECUTIONS_PER_USER: int(0, 0, 1_000_000),
  FAIR_SHARE: bool(true),
  WEBHOOK_SECRET_KEY: secret(16),
  SSE_MAX_STREAMS_PER_KEY: int(100, 0, 1_000_000),
  SOCKET_MAX_PER_KEY: int(20, 0, 1_000_000),
  WEBHOOK_ALLOW_PRIVATE: bool(false),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  WEBHOOK_MAX_ATTEMPTS: int(8, 1, 25),
  WEBHOOK_BACKOFF_BASE_MS: int(30_000, 1, 3_600_000),
  WEBHOOK_CONCURRENCY: int(50, 1, 1000),
  WEBHOOK_MAX_PER_USER: int(20, 1, 1000),
  SCHEDULE_MAX_PER_WORKFLOW: int(20, 1, 1000),
  SCHEDULE_MIN_INTERVAL_MS: int(1000, 1000, 24 * 3600 * 1000),
  SCHEDULE_RESYNC_MS: int(300_000, 1000, 24 * 3600 * 1000),
  // OpenTelemetry, under the names every OpenTelemetry SDK reads.
  OTEL_SDK_DISABLED: bool(false),
  OTEL_TRACES_EXPORTER: oneOf<OtelTracesExporter>('', OTEL_TRACES_EXPORTERS),
  OTEL_EXPORTER_OTLP_ENDPOINT: url('', ['http', 'https']),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url('', ['http', 'https']),
  OTEL_EXPORTER_OTLP_HEADERS: headerList,
  OTEL_SERVICE_NAME: str(
    'rpa-openapi-service',
    /^[^\s]{1,128}$/,
    '1-128 characters without spaces',
  ),
  OTEL_TRACES_SAMPLER: oneOf<OtelSampler>('parentbased_always_on', OTEL_SAMPLERS),
  OTEL_TRACES_SAMPLER_ARG: ratio(1),
};

export type ConfigSchema = typeof configSchema;
export type ConfigValues = { [K in keyof ConfigSchema]: ReturnType<ConfigSchema[K]> };
