import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { START_LOCK_NAME } from '../apps/api/src/execution/active-execution-cap';
import { ExecutionEntity } from '../apps/api/src/execution/entities/execution.entity';
import { ExecutionQueue } from '../apps/api/src/execution/execution.queue';
import { TestApp, startTestApp } from './support/app';
import { expectError } from './support/envelope';
import { waitForExecution } from './support/executions';
import { bearer, createKey, startExecution, startRun, upsertWorkflow } from './support/fixtures';
import { connectMcp } from './support/mcp';

const rowsOf = (app: TestApp, userId: string) =>
  app.db.getRepository(ExecutionEntity).countBy({ user_id: userId });

/** The waiting jobs in the order a worker takes them. */
const queuedOrder = async (app: TestApp): Promise<string[]> =>
  (await app.app.get(ExecutionQueue).queue.getPrioritized()).map((job) => String(job.id));

const textOf = (result: unknown): string =>
  (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('Priority above the default needs the manage scope (e2e)', () => {
  let sut: TestApp;
  let plain: string;
  let manager: string;

  beforeAll(async () => {
    sut = await startTestApp({
      APP_ROLE: 'api',
      RATE_LIMIT_START_PER_MINUTE: '0',
      // No worker runs anything here: a tool call answers the PENDING run after this long.
      MCP_TOOL_TIMEOUT_MS: '200',
    });
    await upsertWorkflow(sut.http, 'uma', 'p-prio', { english_name: 'prio_tool' });
    plain = await createKey(sut.http, 'uma', { scopes: ['read', 'execute'] });
    manager = await createKey(sut.http, 'uma');
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should refuse priority 1-4 without manage on every start route with 403 and create nothing', async () => {
    const auth = bearer(plain);
    const refusals = [
      sut.http.post('/v1/executions').set(auth).send({ project_id: 'p-prio', priority: 2 }),
      sut.http.post('/v1/workflows/p-prio/execute-async').set(auth).send({ priority: 1 }),
      sut.http.post('/v1/workflows/p-prio/execute').set(auth).send({ priority: 4, wait_ms: 0 }),
      sut.http
        .post('/workflows/execute-async')
        .set(auth)
        .send({ project_id: 'p-prio', priority: 3 }),
      sut.http.post('/workflows/execute').set(auth).send({ project_id: 'p-prio', priority: '2' }),
      sut.http.post('/rpa/v1/exec').set(auth).send({ project_id: 'p-prio', priority: 2 }),
    ];

    for (const res of await Promise.all(refusals)) {
      expectError(res, 403, 'FORBIDDEN');
      expect(res.body.msg).toMatch(/above the default \(5\).*manage scope/);
    }
    const client = await connectMcp(sut.url, plain);
    try {
      const result = await client.callTool({
        name: 'prio_tool',
        arguments: {},
        _meta: { 'rpa/run': { priority: 2 } },
      });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^prio_tool was not started: .*manage scope/);
    } finally {
      await client.close();
    }
    expect(await rowsOf(sut, 'uma')).toBe(0);
    expect(await sut.app.get(ExecutionQueue).queue.count()).toBe(0);
  });

  it('should accept the default and lower priorities from any key, and any from a manage key', async () => {
    for (const priority of [undefined, 5, 10]) {
      await sut.http
        .post('/v1/executions')
        .set(bearer(plain))
        .send({ project_id: 'p-prio', priority })
        .expect(202);
    }
    const urgent = await sut.http
      .post('/workflows/execute-async')
      .set(bearer(manager))
      .send({ project_id: 'p-prio', priority: 1 })
      .expect(202);
    const client = await connectMcp(sut.url, manager);
    try {
      const viaMcp = await client.callTool({
        name: 'prio_tool',
        arguments: {},
        _meta: { 'rpa/run': { priority: 2 } },
      });
      expect(viaMcp.isError).toBeFalsy();
    } finally {
      await client.close();
    }

    const row = await sut.db
      .getRepository(ExecutionEntity)
      .findOneByOrFail({ id: urgent.body.data.executionId });
    expect(row.priority).toBe(1);
    expect(await rowsOf(sut, 'uma')).toBe(5);
  });

  it('should refuse the retry of an urgent run to a key without manage', async () => {
    const id = (
      await sut.http
        .post('/v1/executions')
        .set(bearer(manager))
        .send({ project_id: 'p-prio', priority: 3 })
        .expect(202)
    ).body.data.execution.id as string;
    await sut.http.post(`/v1/executions/${id}/cancel`).set(bearer(manager)).expect(200);
    const before = await rowsOf(sut, 'uma');

    const refused = await sut.http.post(`/v1/executions/${id}/retry`).set(bearer(plain));
    const retried = await sut.http
      .post(`/v1/executions/${id}/retry`)
      .set(bearer(manager))
      .expect(202);

    expectError(refused, 403, 'FORBIDDEN');
    expect(retried.body.data.execution).toMatchObject({ priority: 3, retry_of: id });
    expect(await rowsOf(sut, 'uma')).toBe(before + 1);
  });
});

describe('Per-user active cap under a burst across two app instances (e2e)', () => {
  const CAP = 5;
  const BURST = 20;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({
      APP_ROLE: 'api',
      RATE_LIMIT_START_PER_MINUTE: '0',
      MAX_ACTIVE_EXECUTIONS_PER_USER: String(CAP),
    });
    // A second instance of the same deployment: its own connection pool and process state.
    b = await startTestApp({}, { shareEnvOf: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('should accept exactly the cap of concurrent starts per user and refuse the rest with 429', async () => {
    const users = ['vera', 'walt'];
    const keys: Record<string, string> = {};
    for (const user of users) {
      await upsertWorkflow(a.http, user, `p-${user}`);
      keys[user] = await createKey(a.http, user);
    }

    const answers = await Promise.all(
      users.flatMap((user) =>
        Array.from({ length: BURST }, (_, i) =>
          startExecution(i % 2 ? a.http : b.http, keys[user], `p-${user}`).then((res) => ({
            user,
            res,
          })),
        ),
      ),
    );

    for (const user of users) {
      const mine = answers.filter((answer) => answer.user === user).map((answer) => answer.res);
      const accepted = mine.filter((res) => res.status === 202);
      expect(accepted).toHaveLength(CAP);
      for (const res of mine.filter((r) => r.status !== 202)) {
        expectError(res, 429, 'RATE_LIMITED');
      }
      expect(await rowsOf(a, user)).toBe(CAP);
    }
    expect(await a.app.get(ExecutionQueue).queue.count()).toBe(CAP * users.length);
  });

  it('should answer 429 rather than wait while the user’s start lock is held, and start nothing', async () => {
    await upsertWorkflow(a.http, 'zora', 'p-zora');
    const key = await createKey(a.http, 'zora');
    // Another process stuck inside a start of zora's, as MySQL sees it.
    const holder = a.db.createQueryRunner();
    await holder.connect();
    try {
      const [held] = await holder.query(`SELECT GET_LOCK(${START_LOCK_NAME}, 0) AS got`, ['zora']);
      expect(Number(held.got)).toBe(1);

      const refused = await startExecution(b.http, key, 'p-zora');

      expectError(refused, 429, 'RATE_LIMITED');
      expect(refused.headers['retry-after']).toBe('1');
      expect(await rowsOf(a, 'zora')).toBe(0);
    } finally {
      await holder.query(`SELECT RELEASE_LOCK(${START_LOCK_NAME})`, ['zora']);
      await holder.release();
    }
    await startRun(b.http, key, 'p-zora');
    expect(await rowsOf(a, 'zora')).toBe(1);
  });
});

describe('Fair share between users in the queue (e2e)', () => {
  const BACKLOG = 30;

  /** User A queues BACKLOG runs, then user B one; answers B's run id and the queue order. */
  const backlogThenOne = async (app: TestApp) => {
    await upsertWorkflow(app.http, 'xena', 'p-xena');
    await upsertWorkflow(app.http, 'yuri', 'p-yuri');
    const xena = await createKey(app.http, 'xena');
    const yuri = await createKey(app.http, 'yuri');
    const backlog: string[] = [];
    for (let i = 0; i < BACKLOG; i++) backlog.push(await startRun(app.http, xena, 'p-xena'));
    const late = await startRun(app.http, yuri, 'p-yuri');
    return { backlog, late, order: await queuedOrder(app) };
  };

  describe('with FAIR_SHARE on (the default)', () => {
    let sut: TestApp;
    beforeAll(async () => {
      sut = await startTestApp({ APP_ROLE: 'api', RATE_LIMIT_START_PER_MINUTE: '0' });
    });
    afterAll(async () => {
      await sut?.close();
    });

    it('should queue another user’s new run ahead of all but the first of a long backlog', async () => {
      const { backlog, late, order } = await backlogThenOne(sut);

      expect(order).toHaveLength(BACKLOG + 1);
      expect(order.indexOf(late)).toBe(1);
      // The backlog itself keeps its order: oldest first.
      expect(order.filter((id) => id !== late)).toEqual(backlog);
    });

    it('should keep a higher requested priority ahead whatever the backlog', async () => {
      const manager = await createKey(sut.http, 'xena');
      const urgent = (
        await sut.http
          .post('/v1/executions')
          .set(bearer(manager))
          .send({ project_id: 'p-xena', priority: 4 })
          .expect(202)
      ).body.data.execution.id as string;
      const relaxed = (
        await sut.http
          .post('/v1/executions')
          .set(bearer(manager))
          .send({ project_id: 'p-xena', priority: 6 })
          .expect(202)
      ).body.data.execution.id as string;

      const order = await queuedOrder(sut);

      expect(order[0]).toBe(urgent);
      expect(order.at(-1)).toBe(relaxed);
    });
  });

  describe('with FAIR_SHARE=false', () => {
    let sut: TestApp;
    beforeAll(async () => {
      sut = await startTestApp({
        APP_ROLE: 'api',
        RATE_LIMIT_START_PER_MINUTE: '0',
        FAIR_SHARE: 'false',
      });
    });
    afterAll(async () => {
      await sut?.close();
    });

    it('should queue runs of one priority oldest first, whoever started them', async () => {
      const { backlog, late, order } = await backlogThenOne(sut);

      expect(order).toEqual([...backlog, late]);
    });
  });

  describe('with one worker slot', () => {
    let sut: TestApp;
    beforeAll(async () => {
      sut = await startTestApp({
        RATE_LIMIT_START_PER_MINUTE: '0',
        EXECUTION_CONCURRENCY: '1',
        SIM_DELAY_MS: '0',
      });
    });
    afterAll(async () => {
      await sut?.close();
    });

    it('should run another user’s run second, not after the whole backlog', async () => {
      const queue = sut.app.get(ExecutionQueue).queue;
      await queue.pause();
      const { backlog, late } = await backlogThenOne(sut);
      await queue.resume();

      const ended = await Promise.all([...backlog, late].map((id) => waitForExecution(sut.db, id)));
      const byStart = [...ended].sort(
        (x, y) => (x.start_time?.getTime() ?? 0) - (y.start_time?.getTime() ?? 0),
      );
      expect(byStart.findIndex((run) => run.id === late)).toBeLessThanOrEqual(1);
    });
  });
});
