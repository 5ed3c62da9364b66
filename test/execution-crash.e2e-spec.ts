import { In } from 'typeorm';
import {
  ExecutionEntity,
  ExecutionStatus,
} from '../apps/api/src/execution/entities/execution.entity';
import { ExecutionEvent, isFinalEvent } from '../apps/api/src/execution/execution.events';
import { ExecutionEventBus } from '../apps/api/src/execution/execution-event.bus';
import { TestApp, startTestApp } from './support/app';
import { createKey, startRun, upsertWorkflow } from './support/fixtures';
import { NodeProcess, spawnApi } from './support/process';
import { PausableClock, TestRobotSim, robotHttpEnv, startRobotSim } from './support/robot-sim';
import { waitFor } from './support/wait';

const RUNS = 20;

describe('Worker crash (e2e): kill -9 while executions are RUNNING', () => {
  let sim: TestRobotSim;
  let sut: TestApp;
  const workers: NodeProcess[] = [];
  const events: ExecutionEvent[] = [];
  // The robot's time stands still until the new worker follows every task: no task can end
  // around the crash, however slow the machine.
  const clock = new PausableClock();

  beforeAll(async () => {
    sim = await startRobotSim({ delay_ms: 3000 }, { now: clock.now });
    sut = await startTestApp({
      ...robotHttpEnv(sim),
      APP_ROLE: 'api',
      LOG_LEVEL: 'error',
      // Quick stall detection, so that a new worker takes over a dead one's jobs quickly.
      JOB_LOCK_MS: '5000',
      JOB_STALLED_INTERVAL_MS: '2000',
    });
    sut.app.get(ExecutionEventBus).events$.subscribe((event) => events.push(event));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await sut?.close();
    await sim?.close();
  });

  it('should end every execution exactly once, following the one robot task of each', async () => {
    workers.push(await spawnApi(sut.env, { role: 'worker' }));
    const key = await createKey(sut.url, 'frank');
    await upsertWorkflow(sut.url, 'frank', 'wf-crash');

    clock.pause();
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) ids.push(await startRun(sut.http, key, 'wf-crash', { n: i }));
    const repo = sut.db.getRepository(ExecutionEntity);
    await waitFor(() => repo.countBy({ id: In(ids), status: ExecutionStatus.Running }), {
      what: `all ${RUNS} executions to be RUNNING`,
      accept: (running) => running === RUNS,
    });

    const tasksOfRuns = (await repo.findBy({ id: In(ids) })).map((r) => r.robot_task_id!);
    await workers[0].crash();
    const crashedAt = Date.now();
    // Nobody follows the tasks now; count the queries from here on.
    const queriesBefore = new Map(tasksOfRuns.map((t) => [t, sim.queryCalls.get(t) ?? 0]));
    expect(await repo.countBy({ id: In(ids), status: ExecutionStatus.Running })).toBe(RUNS);
    const left = () => Math.max(60_000 - (Date.now() - crashedAt), 1);

    workers.push(await spawnApi(sut.env, { role: 'worker' }));
    // The new worker takes the stalled jobs over and follows the stored tasks...
    await waitFor(
      () => tasksOfRuns.every((t) => (sim.queryCalls.get(t) ?? 0) > queriesBefore.get(t)!),
      { what: 'the new worker to follow every task', timeoutMs: left(), intervalMs: 100 },
    );
    // ...which then end.
    clock.resume(5000);

    const rows = await waitFor(() => repo.findBy({ id: In(ids) }), {
      what: 'every execution to complete within 60 s of the crash',
      accept: (all) => all.every((r) => r.status === ExecutionStatus.Completed),
      timeoutMs: left(),
      intervalMs: 200,
    });
    for (const row of rows) {
      expect(row.result).toEqual({ data: { n: (row.parameters as { n: number }).n } });
      expect(row.end_time).toBeInstanceOf(Date);
      expect(row.error).toBeNull();
      expect(row.progress).toBe(100);
    }

    // One terminal event per execution, and no second one (give stragglers a moment).
    const finals = () => events.filter((e) => isFinalEvent(e) && ids.includes(e.execution_id));
    await waitFor(() => finals().length >= RUNS, { what: 'the final events' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(finals()).toHaveLength(RUNS);
    expect(new Set(finals().map((e) => e.execution_id)).size).toBe(RUNS);
    expect(finals().every((e) => e.type === 'execution.completed')).toBe(true);

    // The robot saw exactly one task per execution: none was created again on resume.
    const tasks = (await sim.tasks()).filter((t) => t.project_id === 'wf-crash');
    expect(tasks).toHaveLength(RUNS);
    expect(new Set(tasks.map((t) => t.task_id))).toEqual(new Set(rows.map((r) => r.robot_task_id)));
    for (const id of ids) expect(sim.createCalls.get(id)).toBe(1);
  }, 150_000);
});
