import request from 'supertest';
import { FindOptionsWhere } from 'typeorm';
import { ExecutionEntity } from '../apps/api/src/execution/entities/execution.entity';
import { ScheduleEntity } from '../apps/api/src/schedule/entities/schedule.entity';
import { TestApp, startTestApp } from './support/app';
import { expectError } from './support/envelope';
import { waitForExecution } from './support/executions';
import { bearer, createKey, startRun, upsertWorkflow } from './support/fixtures';
import { connectMcp } from './support/mcp';
import { waitFor } from './support/wait';

const RATE = 3;

/**
 * Every start path spends the one per-key start budget (RATE_LIMIT_START_PER_MINUTE):
 * retries, MCP tool calls and schedule ticks included, not only the decorated routes.
 */
describe('One start budget for every start path (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ RATE_LIMIT_START_PER_MINUTE: String(RATE) });
  });
  afterAll(async () => {
    await sut?.close();
  });

  const rows = (where: FindOptionsWhere<ExecutionEntity>) =>
    sut.db.getRepository(ExecutionEntity).countBy(where);

  it('should count POST /executions/{id}/retry against the key, then refuse with 429', async () => {
    await upsertWorkflow(sut.http, 'rhea', 'p-retry');
    const key = await createKey(sut.http, 'rhea');
    const first = await startRun(sut.http, key, 'p-retry');
    await waitForExecution(sut.db, first);

    // The case: retrying an ended run over and over went past the budget.
    const answers: number[] = [];
    for (let i = 0; i < RATE + 2; i++) {
      const res = await request(sut.url).post(`/v1/executions/${first}/retry`).set(bearer(key));
      answers.push(res.status);
      if (res.status === 202) expect(Number(res.headers['x-ratelimit-limit'])).toBe(RATE);
      else {
        expectError(res, 429, 'RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(answers).toEqual([202, 202, 429, 429, 429]);
    expect(await rows({ user_id: 'rhea', trigger: 'retry' })).toBe(RATE - 1);
    // A fresh key of the same user has its own budget.
    const other = await createKey(sut.http, 'rhea');
    await request(sut.url).post(`/v1/executions/${first}/retry`).set(bearer(other)).expect(202);
  });

  it('should count MCP tool calls against the same budget as REST starts', async () => {
    await upsertWorkflow(sut.http, 'mona', 'p-mcp', { english_name: 'mcp_budget' });
    const key = await createKey(sut.http, 'mona');
    for (let i = 0; i < RATE - 1; i++) await startRun(sut.http, key, 'p-mcp');
    const client = await connectMcp(sut.url, key);
    try {
      const allowed = await client.callTool({ name: 'mcp_budget', arguments: {} });
      expect(allowed.isError).toBeFalsy();
      const refused = await client.callTool({ name: 'mcp_budget', arguments: {} });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toMatch(/Too many executions started/);
    } finally {
      await client.close();
    }
    expect(await rows({ user_id: 'mona' })).toBe(RATE);
  });

  it("should hold a `* * * * * *` schedule to its owner's budget and record the refusals", async () => {
    await upsertWorkflow(sut.http, 'cora', 'p-cron');
    const created = await sut.http
      .post('/v1/workflows/p-cron/schedules')
      .set('X-User-Id', 'cora')
      .send({ cron: '* * * * * *' })
      .expect(201);
    const scheduleId = created.body.data.schedule.id as string;

    // Ticks every second; all of the owner's schedules share one budget of RATE a minute.
    const schedules = sut.db.getRepository(ScheduleEntity);
    const refused = await waitFor(
      async () => {
        const schedule = await schedules.findOneByOrFail({ id: scheduleId });
        return schedule.last_error?.includes('Too many executions') && schedule;
      },
      { what: 'a tick refused over the budget', timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(refused.last_error).toMatch(/retry in \d+ s/);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await rows({ user_id: 'cora', trigger: 'schedule' })).toBe(RATE);
    await sut.http.delete(`/v1/schedules/${scheduleId}`).set('X-User-Id', 'cora').expect(200);
  });
});
