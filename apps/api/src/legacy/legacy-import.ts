import { Connection, RowDataPacket, createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { USER_ID, parseDatabaseUrl } from '@app/common';
import { ExecutionErrorCode } from '../execution';
import { errorCodeOfMessage } from './legacy-error-code';

/**
 * Imports a legacy service's database (tables `openapi_auth`, `openai_workflows`,
 * `openai_executions`) into this service's: API keys keep working (their bcrypt hash is
 * verified once on first use, then replaced by an HMAC), workflows and executions keep their
 * ids. Safe to run again: rows already here are left alone and counted as `existing`.
 */
export interface ImportCounts {
  imported: number;
  existing: number;
  skipped: number;
}

export interface ImportReport {
  api_keys: ImportCounts;
  workflows: ImportCounts;
  executions: ImportCounts;
  /** Why rows were skipped, at most a few per table. */
  problems: string[];
}

export interface ImportOptions {
  /**
   * The UTC offset of the legacy database's naive timestamps. The legacy service wrote key
   * times in Asia/Shanghai; its DATETIME columns follow the MySQL server's zone.
   */
  timezone?: string;
}

type Row = RowDataPacket & Record<string, unknown>;

const LEGACY_KEY_PREFIX = /^[A-Za-z0-9]{8}$/;
const BCRYPT_HASH = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;
const MAX_PROBLEMS_PER_TABLE = 5;
const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

export async function openLegacyDatabase(url: string): Promise<Connection> {
  const target = parseDatabaseUrl(url);
  return createConnection({ ...target, dateStrings: true, connectTimeout: 10_000 });
}

export async function importLegacyDatabase(
  source: Connection,
  target: DataSource,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const importer = new LegacyImporter(source, target, options.timezone ?? '+08:00');
  return importer.run();
}

class LegacyImporter {
  private readonly problems: string[] = [];

  constructor(
    private readonly source: Connection,
    private readonly target: DataSource,
    private readonly timezone: string,
  ) {}

  async run(): Promise<ImportReport> {
    const api_keys = await this.table('openapi_auth', 'id', (row) => this.importKey(row));
    const workflows = await this.table('openai_workflows', 'project_id', (row) =>
      this.importWorkflow(row),
    );
    const executions = await this.table('openai_executions', 'id', (row) =>
      this.importExecution(row),
    );
    return { api_keys, workflows, executions, problems: this.problems };
  }

  /** Reads a table in pages (by primary key) and imports row by row. */
  private async table(
    name: string,
    key: string,
    importRow: (row: Row) => Promise<'imported' | 'existing' | string>,
  ): Promise<ImportCounts> {
    const counts: ImportCounts = { imported: 0, existing: 0, skipped: 0 };
    let problems = 0;
    let after: unknown = null;
    for (;;) {
      const [rows] = await this.source.query<Row[]>(
        `SELECT * FROM \`${name}\` ${after === null ? '' : `WHERE \`${key}\` > ?`} ORDER BY \`${key}\` LIMIT 500`,
        after === null ? [] : [after],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        let outcome: string;
        try {
          outcome = await importRow(row);
        } catch (err) {
          outcome = (err as Error).message.split('\n')[0].slice(0, 200);
        }
        if (outcome === 'imported' || outcome === 'existing') counts[outcome]++;
        else {
          counts.skipped++;
          if (problems++ < MAX_PROBLEMS_PER_TABLE) {
            this.problems.push(`${name} ${String(row[key])}: ${outcome}`);
          }
        }
      }
      after = rows[rows.length - 1][key];
    }
    return counts;
  }

  private async importKey(row: Row): Promise<string> {
    const prefix = String(row.prefix ?? '');
    const hash = String(row.api_key ?? '');
    const userId = String(row.user_id ?? '');
    if (!LEGACY_KEY_PREFIX.test(prefix)) return 'prefix is not 8 letters or digits';
    if (!BCRYPT_HASH.test(hash)) return 'api_key is not a bcrypt hash';
    if (!USER_ID.test(userId)) return 'user_id is not a valid user id';
    const created = this.time(row.created_at) ?? new Date();
    return this.insert(
      `INSERT IGNORE INTO api_keys
         (id, user_id, name, prefix, hash, legacy_hash, scopes, is_active, revoked_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, '', ?, 'read,execute,manage', ?, ?, ?, ?)`,
      [
        Number(row.id),
        userId,
        String(row.name ?? '').slice(0, 100) || 'imported key',
        prefix,
        hash,
        Number(row.is_active) === 1 ? 1 : 0,
        Number(row.is_active) === 1 ? null : (this.time(row.updated_at) ?? created),
        created,
        this.time(row.updated_at) ?? created,
      ],
      'SELECT 1 FROM api_keys WHERE id = ? AND prefix = ?',
      [Number(row.id), prefix],
    );
  }

  private async importWorkflow(row: Row): Promise<string> {
    const userId = String(row.user_id ?? '');
    if (!USER_ID.test(userId)) return 'user_id is not a valid user id';
    const created = this.time(row.created_at) ?? new Date();
    return this.insert(
      `INSERT IGNORE INTO workflows
         (project_id, user_id, name, english_name, description, version, status, parameters, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        String(row.project_id),
        userId,
        String(row.name ?? '') || 'Default_Workflow',
        row.english_name ?? null,
        row.description ?? null,
        String(row.version ?? 1).slice(0, 20),
        Number(row.status) === 1 ? 1 : 0,
        jsonText(row.parameters, (v) => typeof v === 'object' && v !== null),
        created,
        this.time(row.updated_at) ?? created,
      ],
      'SELECT 1 FROM workflows WHERE project_id = ? AND user_id = ?',
      [String(row.project_id), userId],
    );
  }

  private async importExecution(row: Row): Promise<string> {
    const userId = String(row.user_id ?? '');
    if (!USER_ID.test(userId)) return 'user_id is not a valid user id';
    const legacyStatus = String(row.status ?? '').toUpperCase();
    // Runs the legacy service never finished cannot be followed from here.
    const ended = ENDED.has(legacyStatus);
    const status = ended ? legacyStatus : 'FAILED';
    const error = ended
      ? (row.error ?? null)
      : `${legacyStatus === 'TIMEOUT' ? 'Timed out' : `Imported while ${legacyStatus || 'unfinished'}`} on the legacy service${row.error ? `: ${String(row.error)}` : ''}`;
    const errorCode = ended
      ? errorCodeOfMessage(status, error === null ? null : String(error))
      : ExecutionErrorCode.Lost;
    const start = this.time(row.start_time) ?? new Date();
    const end = this.time(row.end_time);
    return this.insert(
      `INSERT IGNORE INTO executions
         (id, project_id, user_id, status, parameters, result, error, error_code, exec_position, progress,
          \`trigger\`, priority, start_time, end_time, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'api', 5, ?, ?, ?, ?)`,
      [
        String(row.id),
        String(row.project_id),
        userId,
        status,
        jsonText(row.parameters, isPlainObject) ?? '{}',
        jsonText(row.result, isPlainObject),
        error,
        errorCode,
        String(row.exec_position ?? 'EXECUTOR').slice(0, 32) || 'EXECUTOR',
        status === 'COMPLETED' ? 100 : 0,
        start,
        end ?? (ended ? null : start),
        start,
        end ?? start,
      ],
      'SELECT 1 FROM executions WHERE id = ? AND user_id = ?',
      [String(row.id), userId],
    );
  }

  /** Inserts unless the row is there; a row of the same id that is not the same is refused. */
  private async insert(
    sql: string,
    params: unknown[],
    sameRowSql: string,
    sameRowParams: unknown[],
  ): Promise<string> {
    const result = (await this.target.query(sql, params)) as { affectedRows?: number };
    if (result.affectedRows) return 'imported';
    const same = (await this.target.query(sameRowSql, sameRowParams)) as unknown[];
    return same.length ? 'existing' : 'its id is taken by another row here';
  }

  /** A naive legacy timestamp ('2025-06-01 10:00:00[.ffffff]') read in the legacy zone. */
  private time(value: unknown): Date | null {
    if (value === null || value === undefined || value === '') return null;
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
    const text = String(value)
      .trim()
      .replace(' ', 'T')
      .replace(/(\.\d{3})\d+/, '$1');
    const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text}${this.timezone}`);
    return Number.isNaN(date.getTime()) ? null : date;
  }
}

const isPlainObject = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Legacy JSON text columns: the JSON when it parses to an accepted value, else null. */
function jsonText(value: unknown, accept: (v: unknown) => boolean): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  try {
    const parsed = JSON.parse(value) as unknown;
    return accept(parsed) ? JSON.stringify(parsed) : null;
  } catch {
    return null;
  }
}
