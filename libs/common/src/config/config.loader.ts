import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { ConfigError, ConfigValues, configSchema } from './config.schema';

/** Lowest first: later layers override earlier ones. */
export const ENV_FILES = ['.env.default', '.env', '.env.local'] as const;

export function readEnvLayers(
  dir: string,
  processEnv: NodeJS.ProcessEnv,
  files: readonly string[] = ENV_FILES,
): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = {};
  for (const file of files) {
    const path = join(dir, file);
    if (existsSync(path)) Object.assign(merged, parse(readFileSync(path)));
  }
  return { ...merged, ...processEnv };
}

/** Keys set by an operator: in a layer above .env.default, or by the caller. */
export function explicitKeys(
  dir: string,
  processEnv: NodeJS.ProcessEnv,
  overrides: Record<string, string | undefined> = {},
): Set<string> {
  const above = ENV_FILES.filter((file) => file !== '.env.default');
  const layered = readEnvLayers(dir, {}, above);
  return new Set(
    [layered, processEnv, overrides].flatMap((layer) =>
      Object.entries(layer)
        .filter(([, value]) => value !== undefined && value.trim() !== '')
        .map(([key]) => key),
    ),
  );
}

/**
 * Development values production must not inherit from the committed .env.default: each one
 * is refused there unless an operator set it (.env, .env.local, the environment).
 */
const DEVELOPMENT_ONLY: Array<{
  key: keyof ConfigValues;
  applies: (c: ConfigValues) => boolean;
  why: string;
}> = [
  {
    key: 'AUTH_TRUST_USER_HEADER',
    applies: (c) => c.AUTH_TRUST_USER_HEADER,
    why: 'trusts X-User-Id from any caller; set it to true only behind the platform gateway, else false',
  },
  {
    key: 'ROBOT_MODE',
    applies: (c) => c.ROBOT_MODE === 'simulator',
    why: 'runs the in-process simulator instead of robots; set ROBOT_MODE=http and ROBOT_BASE_URL',
  },
  {
    key: 'SIM_PARAMS_OVERRIDES',
    applies: (c) => c.ROBOT_MODE === 'simulator' && c.SIM_PARAMS_OVERRIDES,
    why: "lets a run's params.__sim steer the simulator; set it explicitly",
  },
  {
    key: 'WEBHOOK_SECRET_KEY',
    applies: () => true,
    why: 'is the development key; set a secret of your own',
  },
  {
    key: 'API_KEY_PEPPER',
    applies: () => true,
    why: 'is the development pepper; set a secret of your own',
  },
];

export function parseConfig(
  raw: Record<string, string | undefined>,
  /** Keys an operator set; by default every key given counts as set on purpose. */
  explicit?: ReadonlySet<string>,
): ConfigValues {
  const values: Record<string, unknown> = {};
  for (const [key, parser] of Object.entries(configSchema)) {
    values[key] = parser(raw[key], key);
  }
  const config = values as ConfigValues;
  if (config.ROBOT_POLL_MIN_MS > config.ROBOT_POLL_MAX_MS) {
    throw new ConfigError('ROBOT_POLL_MIN_MS must not be greater than ROBOT_POLL_MAX_MS');
  }
  if (config.NODE_ENV === 'production' && config.API_KEY_PEPPER.startsWith('dev-only')) {
    throw new ConfigError('API_KEY_PEPPER must be set to a secret of your own in production');
  }
  if (config.API_KEY_PEPPER === '') {
    throw new ConfigError('API_KEY_PEPPER must be set (at least 16 characters)');
  }
  if (config.WEBHOOK_SECRET_KEY === '' && config.NODE_ENV === 'production') {
    throw new ConfigError('WEBHOOK_SECRET_KEY must be set (at least 16 characters)');
  }
  if (config.WEBHOOK_SECRET_KEY === config.API_KEY_PEPPER) {
    throw new ConfigError('WEBHOOK_SECRET_KEY must differ from API_KEY_PEPPER');
  }
  if (config.NODE_ENV === 'production' && config.WEBHOOK_SECRET_KEY.startsWith('dev-only')) {
    throw new ConfigError('WEBHOOK_SECRET_KEY must be set to a secret of your own in production');
  }
  if (config.NODE_ENV === 'production' && explicit) {
    for (const rule of DEVELOPMENT_ONLY) {
      if (!explicit.has(rule.key) && rule.applies(config)) {
        throw new ConfigError(
          `${rule.key} must be set explicitly in production (not by .env.default or a built-in default): its development value ${rule.why}`,
        );
      }
    }
  }
  return config;
}

/** Reads every layer and validates it; throws ConfigError with a one-line reason. */
export function loadConfig(
  overrides: Record<string, string | undefined> = {},
  dir = process.cwd(),
): ConfigValues {
  return parseConfig(
    { ...readEnvLayers(dir, process.env), ...overrides },
    explicitKeys(dir, process.env, overrides),
  );
}
