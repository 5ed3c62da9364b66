import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const MAX_SQL = 300;

const clip = (sql: string): string => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_SQL ? `${flat.slice(0, MAX_SQL)}…` : flat;
};

/**
 * TypeORM's console loggers print plain text, query parameters included (user data, params of
 * runs), around the JSON logger. This one goes through it and never logs parameters. A failed
 * query is only debug: the error reaches the caller, which handles it (a duplicate key) or
 * lets the exception filter log it.
 */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQuery(): void {}

  /** The parameters are ignored on purpose. */
  logQueryError(error: string | Error, query: string, _parameters?: unknown): void {
    const message = typeof error === 'string' ? error : error.message;
    this.logger.debug(`Query failed: ${message} [${clip(query)}]`);
  }

  logQuerySlow(time: number, query: string, _parameters?: unknown): void {
    this.logger.warn(`Slow query (${time} ms): ${clip(query)}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') this.logger.warn(text);
    else this.logger.debug(text);
  }
}
