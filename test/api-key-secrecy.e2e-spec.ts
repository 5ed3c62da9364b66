import request from 'supertest';
import { DataSource } from 'typeorm';
import { dropTestResources } from './support/cleanup';
import { columnsContaining, openDatabase } from './support/db';
import { testEnv } from './support/env';
import { API_MAIN, Exit, NodeProcess, spawnNode } from './support/process';
import { waitFor } from './support/wait';

const ALICE = { 'X-User-Id': 'alice' };

/**
 * The built service as it runs in production, logging at debug level: a key is created and
 * used every way a client may send one, then revoked. Neither its database nor a single line
 * of its output may hold the key.
 */
describe('API key secrecy of the built service (e2e)', () => {
  const env = testEnv({ LOG_LEVEL: 'debug', API_KEY_TOUCH_FLUSH_MS: '100' });
  let app: NodeProcess | undefined;
  let db: DataSource | undefined;
  let key = '';
  let exit: Exit;
  const statuses: Record<string, number> = {};

  beforeAll(async () => {
    app = await spawnNode({ script: API_MAIN, env });
    db = await openDatabase(env);
    const http = request(app.url);
    const bearer = () => ({ Authorization: `Bearer ${key}` });

    const created = await http.post('/v1/api-keys').set(ALICE).send({ name: 'secret' }).expect(201);
    key = created.body.data.api_key;
    const id = created.body.data.id;
    statuses.header = (await http.get('/v1/workflows').set(bearer())).status;
    statuses.lowercaseScheme = (
      await http.get('/v1/workflows').set('Authorization', `bearer ${key}`)
    ).status;
    statuses.query = (await http.get(`/v1/workflows?key=${key}`)).status;
    statuses.encodedQueryName = (await http.get(`/v1/workflows?%6bey=${key}`)).status;
    statuses.encodedMcpKey = (
      await http
        .post(`/mcp?%6bey=${key}`)
        .set('Accept', 'application/json, text/event-stream')
        .send({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'secrecy', version: '1' },
          },
        })
    ).status;
    statuses.encodedBoardToken = (await http.get(`/admin/queues?%74oken=${key}`)).status;
    statuses.farExpiry = (
      await http
        .post('/v1/api-keys')
        .set(ALICE)
        .send({ name: 'far', expires_at: '+275760-09-13T00:00:00.000Z' })
    ).status;
    statuses.unknownQueryParams = (
      await http.get(`/workflows/get?api_key=${key}&token=${key}&pageSize=5`).set(bearer())
    ).status;
    statuses.upsert = (
      await http.post('/v1/workflows/upsert').set(bearer()).send({ project_id: 's1', name: 'S' })
    ).status;
    statuses.conflict = (
      await http
        .post('/v1/workflows/upsert')
        .set({ 'X-User-Id': 'bob' })
        .send({ project_id: 's1', name: 'S' })
    ).status;
    statuses.badJson = (
      await http
        .post('/v1/workflows/upsert')
        .set(bearer())
        .set('Content-Type', 'application/json')
        .send(`{"name": "${key}"`)
    ).status;
    await waitFor(
      async () => {
        const [row] = await db!.query('SELECT last_used_at FROM api_keys WHERE id = ?', [id]);
        return row?.last_used_at !== null;
      },
      { what: 'last_used_at to be written' },
    );
    statuses.revoke = (await http.delete(`/v1/api-keys/${id}`).set(ALICE)).status;
    statuses.afterRevoke = (await http.get('/v1/workflows').set(bearer())).status;
    exit = await app.stop('SIGTERM');
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
    await db?.destroy();
    await dropTestResources(env);
  });

  it('should accept the key in Authorization only, until it is revoked', () => {
    expect(statuses).toEqual({
      header: 200,
      lowercaseScheme: 200,
      query: 401,
      encodedQueryName: 401,
      encodedMcpKey: 200,
      encodedBoardToken: 404,
      farExpiry: 400,
      unknownQueryParams: 200,
      upsert: 200,
      conflict: 409,
      badJson: 400,
      revoke: 200,
      afterRevoke: 401,
    });
  });

  it('should write the last use of the key', async () => {
    const [row] = await db!.query('SELECT last_used_at FROM api_keys');

    expect(row.last_used_at).toBeInstanceOf(Date);
  });

  it('should never hold the key in clear in any column of the database', async () => {
    const columns = await db!.query(
      "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'api_keys'",
    );
    expect(columns.length).toBeGreaterThanOrEqual(10);

    expect(await columnsContaining(db!, key)).toEqual([]);
    expect(await columnsContaining(db!, key.slice(-43))).toEqual([]);
  });

  it('should never write the key to its output', () => {
    const output = app!.output();

    expect(output).toContain('request completed');
    expect(output).toContain('"url":"/v1/workflows?key=[REDACTED]"');
    expect(output).toContain('api_key=[REDACTED]&token=[REDACTED]&pageSize=5');
    expect(output).toContain('"url":"/mcp?%6bey=[REDACTED]"');
    expect(output).not.toContain(`%6bey=${key.slice(0, 8)}`);
    expect(output).not.toContain(key);
    expect(output).not.toContain(key.slice(-43));
  });

  it('should log only JSON lines and stop cleanly on SIGTERM', () => {
    const lines = app!
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });

    expect(notJson).toEqual([]);
    const failedQuery = lines
      .map((line) => JSON.parse(line) as { context?: string; msg?: string })
      .find((entry) => entry.context === 'Database' && entry.msg?.startsWith('Query failed'));
    expect(failedQuery?.msg).toMatch(/^Query failed: Duplicate entry 's1'.*\[INSERT INTO/);
    expect(failedQuery?.msg).not.toContain('"bob"');
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
  });
});
