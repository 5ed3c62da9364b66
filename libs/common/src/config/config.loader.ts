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

export function parseConfig(raw: Record<string, string | undefined>): ConfigValues {
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
  return config;
}

/** Reads every layer and validates it; throws ConfigError with a one-line reason. */
export function loadConfig(
  overrides: Record<string, string | undefined> = {},
  dir = process.cwd(),
): ConfigValues {
  return parseConfig({ ...readEnvLayers(dir, process.env), ...overrides });
}
