import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { Connection, createConnection } from 'mysql2/promise';
import { parseDatabaseUrl } from '@app/common';
import { importLegacyDatabase, openLegacyDatabase } from '../apps/api/src/legacy/legacy-import';
import { TestApp, startTestApp } from './support/app';
import { expectError, okData } from './support/envelope';

const run = promisify(execFile);

/** The legacy service's tables, as its SQLAlchemy models create them. */
const LEGACY_SCHEMA = [
  `CREATE TABLE openapi_auth (
    id INT NOT NULL AUTO_INCREMENT, name VARCHAR(50), user_id VARCHAR(50),
    api_key VARCHAR(100), prefix VARCHAR(100), created_at VARCHAR(50), updated_at VARCHAR(50),
    is_active INT, PRIMARY KEY (id), UNIQUE KEY (api_key), KEY (id))`,
  `CREATE TABLE openai_workflows (
    project_id VARCHAR(100) NOT NULL, name VARCHAR(100) NOT NULL, english_name VARCHAR(100),
    description VARCHAR(500), version INT NOT NULL, status INT NOT NULL, parameters MEDIUMTEXT,
    user_id VARCHAR(50) NOT NULL, example_project_id VARCHAR(100), created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL, PRIMARY KEY (project_id), KEY (name), KEY (user_id))`,
  `CREATE TABLE openai_executions (
    id VARCHAR(36) NOT NULL, project_id VARCHAR(100) NOT NULL, status VARCHAR(20) NOT NULL,
    parameters MEDIUMTEXT, result MEDIUMTEXT, error TEXT, user_id VARCHAR(50) NOT NULL,
    exec_position VARCHAR(50) NOT NULL, recording_config TEXT, version INT,
    start_time DATETIME NOT NULL, end_time DATETIME, PRIMARY KEY (id), KEY (project_id), KEY (user_id))`,
];

const LEGACY_KEY = 'Ab3dEf7hJk9mNp2qRs4tUv6wXy8zA1b2';
const OTHER_KEY = 'Zz9yXw8vUt7sRq6pOn5mLk4jIh3gFe2d';

describe('Legacy import (e2e)', () => {
  let sut: TestApp;
  let legacy: Connection;
  let legacyUrl: string;

  beforeAll(async () => {
    sut = await startTestApp();
    const target = parseDatabaseUrl(sut.env.DATABASE_URL);
    const database = `${target.database}_legacy`;
    legacyUrl = sut.env.DATABASE_URL.replace(/\/[^/]+$/, `/${database}`);
    const admin = await createConnection({ ...target, database: undefined });
    await admin.query(`CREATE DATABASE \`${database}\``);
    await admin.end();
    legacy = await createConnection({ ...target, database });
    for (const ddl of LEGACY_SCHEMA) await legacy.query(ddl);
    const insertKey = (id: number, key: string, userId: string, active: number) =>
      legacy.query(
        'INSERT INTO openapi_auth (id, name, user_id, api_key, prefix, created_at, updated_at, is_active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [
          id,
          `key ${id}`,
          userId,
          bcrypt.hashSync(key, 8),
          key.slice(0, 8),
          '2025-06-01 10:00:00.123456',
          '2025-06-02 10:00:00',
          active,
        ],
      );
    await insertKey(7, LEGACY_KEY, '1894561234567', 1);
    await insertKey(8, OTHER_KEY, '1894561234567', 0);
    await legacy.query(
      `INSERT INTO openai_workflows VALUES
       ('1950846340813021184', '发票下载', 'invoice_download', 'Monthly invoices', 3, 1,
        '[{"id":"p1","varName":"month","varDirection":0,"varDescribe":"Month"}]', '1894561234567', NULL,
        '2025-06-01 10:00:00', '2025-06-03 11:00:00'),
       ('broken-params', 'Broken', NULL, NULL, 1, 0, 'not json', '1894561234567', NULL,
        '2025-06-01 10:00:00', '2025-06-01 10:00:00')`,
    );
    await legacy.query(
      `INSERT INTO openai_executions (id, project_id, status, parameters, result, error, user_id, exec_position, start_time, end_time) VALUES
       ('11111111-1111-4111-8111-111111111111', '1950846340813021184', 'COMPLETED', '{"month":"2025-05"}',
        '{"code":"0000","msg":"","data":{"files":3}}', NULL, '1894561234567', 'EXECUTOR', '2025-06-01 10:00:00', '2025-06-01 10:01:00'),
       ('22222222-2222-4222-8222-222222222222', '1950846340813021184', 'RUNNING', NULL, NULL, NULL,
        '1894561234567', 'EXECUTOR', '2025-06-02 10:00:00', NULL),
       ('33333333-3333-4333-8333-333333333333', '1950846340813021184', 'TIMEOUT', '{}', NULL, 'no answer',
        '1894561234567', 'EXECUTOR', '2025-06-02 11:00:00', NULL),
       ('44444444-4444-4444-8444-444444444444', '1950846340813021184', 'FAILED', '{}', NULL,
        'NO_EXECUTOR: nobody online', '1894561234567', 'EXECUTOR', '2025-06-03 10:00:00', '2025-06-03 10:01:00')`,
    );
  });
  afterAll(async () => {
    await legacy?.query(`DROP DATABASE IF EXISTS \`${parseDatabaseUrl(legacyUrl).database}\``);
    await legacy?.end();
    await sut?.close();
  });

  it('should import keys, workflows and executions with their ids, then nothing more on a second run', async () => {
    const source = await openLegacyDatabase(legacyUrl);
    const first = await importLegacyDatabase(source, sut.db).finally(() => source.end());

    expect(first).toEqual({
      api_keys: { imported: 2, existing: 0, skipped: 0 },
      workflows: { imported: 2, existing: 0, skipped: 0 },
      executions: { imported: 4, existing: 0, skipped: 0 },
      problems: [],
    });
    const [workflow] = await sut.db.query(
      "SELECT * FROM workflows WHERE project_id = '1950846340813021184'",
    );
    expect(workflow).toMatchObject({ user_id: '1894561234567', version: '3', status: 1 });
    expect(workflow.parameters).toEqual([
      { id: 'p1', varName: 'month', varDirection: 0, varDescribe: 'Month' },
    ]);
    expect(workflow.created_at.toISOString()).toBe('2025-06-01T02:00:00.000Z');
    const statuses = await sut.db.query(
      'SELECT id, status, error, error_code FROM executions ORDER BY id',
    );
    expect(statuses).toEqual([
      {
        id: '11111111-1111-4111-8111-111111111111',
        status: 'COMPLETED',
        error: null,
        error_code: null,
      },
      expect.objectContaining({
        status: 'FAILED',
        error: expect.stringMatching(/RUNNING/),
        error_code: 'lost',
      }),
      expect.objectContaining({
        status: 'FAILED',
        error: expect.stringMatching(/no answer/),
        error_code: 'lost',
      }),
      {
        id: '44444444-4444-4444-8444-444444444444',
        status: 'FAILED',
        error: 'NO_EXECUTOR: nobody online',
        error_code: 'client_offline',
      },
    ]);

    const second = await importLegacyDatabase(legacy, sut.db);
    expect(second).toMatchObject({
      api_keys: { imported: 0, existing: 2 },
      workflows: { imported: 0, existing: 2 },
      executions: { imported: 0, existing: 4 },
    });
  });

  it('should accept an imported key, verifying bcrypt once and keeping HMAC afterwards', async () => {
    const auth = { Authorization: `Bearer ${LEGACY_KEY}` };
    const before = await sut.db.query('SELECT hash, legacy_hash FROM api_keys WHERE id = 7');
    expect(before[0].legacy_hash).toMatch(/^\$2/);

    const listed = okData(await sut.http.get('/workflows/get').set(auth).expect(200));
    expect(listed.records.map((w: { project_id: string }) => w.project_id).sort()).toEqual([
      '1950846340813021184',
      'broken-params',
    ]);
    const [after] = await sut.db.query('SELECT hash, legacy_hash FROM api_keys WHERE id = 7');
    expect(after).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{64}$/), legacy_hash: null });

    const execution = await sut.http
      .get('/executions/11111111-1111-4111-8111-111111111111')
      .set(auth)
      .expect(200);
    expect(okData(execution).execution).toMatchObject({
      status: 'COMPLETED',
      result: { data: { files: 3 } },
    });
  });

  it('should refuse a wrong key of the imported prefix and an imported revoked key', async () => {
    const wrong = `${LEGACY_KEY.slice(0, 8)}${'x'.repeat(24)}`;

    expectError(
      await sut.http.get('/workflows/get').set('Authorization', `Bearer ${wrong}`),
      401,
      'UNAUTHENTICATED',
    );
    expectError(
      await sut.http.get('/workflows/get').set('Authorization', `Bearer ${OTHER_KEY}`),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('should run as the documented command and report counts as JSON', async () => {
    const { stdout } = await run('node', ['dist/apps/api/main.js', 'import-legacy', legacyUrl], {
      env: { ...process.env, ...sut.env, LOG_LEVEL: 'error' },
    });

    expect(JSON.parse(stdout)).toMatchObject({
      api_keys: { imported: 0, existing: 2, skipped: 0 },
      workflows: { imported: 0, existing: 2, skipped: 0 },
      executions: { imported: 0, existing: 4, skipped: 0 },
    });
  });
});
