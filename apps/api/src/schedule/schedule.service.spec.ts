import { AppConfig, parseConfig } from '@app/common';
import { WorkflowEntity, WorkflowEvents, WorkflowService, WorkflowStatus } from '../workflow';
import { ScheduleEntity } from './entities/schedule.entity';
import { ScheduleQueue } from './schedule.queue';
import { NewSchedule, ScheduleRepository } from './schedule.repository';
import { ScheduleService } from './schedule.service';

/** The schedules table in memory, with the repository's contract. */
class FakeScheduleRepository {
  readonly rows = new Map<string, ScheduleEntity>();

  async countOfWorkflow(userId: string, projectId: string) {
    return (await this.ofWorkflow(userId, projectId)).length;
  }
  async insert(row: NewSchedule) {
    this.rows.set(row.id, {
      ...row,
      last_run_at: null,
      last_execution_id: null,
      last_error: null,
      created_at: new Date(),
      updated_at: new Date(),
    });
  }
  async findOwned(userId: string, id: string) {
    const row = this.rows.get(id);
    return row && row.user_id === userId ? { ...row } : null;
  }
  async ofWorkflow(userId: string, projectId: string, enabledOnly = false) {
    return [...this.rows.values()].filter(
      (r) => r.user_id === userId && r.project_id === projectId && (!enabledOnly || r.enabled),
    );
  }
  async setEnabled(id: string, enabled: boolean) {
    const row = this.rows.get(id);
    if (row) row.enabled = enabled;
  }
  async deleteById(id: string) {
    this.rows.delete(id);
  }
  async deleteOfWorkflow(userId: string, projectId: string) {
    for (const row of await this.ofWorkflow(userId, projectId)) this.rows.delete(row.id);
  }
}

/** The job schedulers in Redis, as a set of ids. */
class FakeScheduleQueue {
  readonly ids = new Set<string>();
  failing = false;
  async ensure(schedule: { id: string }) {
    if (this.failing) throw new Error('Redis is unavailable');
    this.ids.add(schedule.id);
  }
  async remove(id: string) {
    this.ids.delete(id);
  }
}

const workflow = (status: WorkflowStatus): WorkflowEntity =>
  ({ project_id: 'p1', user_id: 'alice', status, parameters: null }) as WorkflowEntity;

describe(ScheduleService.name, () => {
  let schedules: FakeScheduleRepository;
  let queue: FakeScheduleQueue;
  let current: WorkflowEntity;
  let sut: ScheduleService;

  beforeEach(() => {
    schedules = new FakeScheduleRepository();
    queue = new FakeScheduleQueue();
    current = workflow(WorkflowStatus.Active);
    const workflows = {
      get: async () => current,
      find: async () => current,
      paramsProblems: async () => null,
    } as unknown as WorkflowService;
    const config = new AppConfig(
      parseConfig({
        API_KEY_PEPPER: 'unit-test-pepper-0123456789',
        WEBHOOK_SECRET_KEY: 'unit-test-webhook-key-0123456789',
      }),
    );
    sut = new ScheduleService(
      schedules as unknown as ScheduleRepository,
      workflows,
      queue as unknown as ScheduleQueue,
      config,
    );
  });

  it('should store a schedule of an active workflow and give it a job scheduler', async () => {
    const created = await sut.create('alice', 'p1', { cron: '0 * * * *' });

    expect(schedules.rows.get(created.id)).toMatchObject({ cron: '0 * * * *', enabled: true });
    expect(queue.ids.has(created.id)).toBe(true);
  });

  it('should store a schedule of an inactive workflow without a job scheduler', async () => {
    current = workflow(WorkflowStatus.Inactive);

    const created = await sut.create('alice', 'p1', { cron: '0 * * * *' });

    expect(schedules.rows.has(created.id)).toBe(true);
    expect(queue.ids.size).toBe(0);
  });

  it('should take the schedule back when its job scheduler cannot be made', async () => {
    queue.failing = true;

    const sutAnswer = sut.create('alice', 'p1', { cron: '0 * * * *' });

    await expect(sutAnswer).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(schedules.rows.size).toBe(0);
  });

  it('should refuse a cron it cannot read, naming the field', async () => {
    const sutAnswer = sut.create('alice', 'p1', { cron: 'every hour' });

    await expect(sutAnswer).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ field: 'cron' })],
    });
    expect(schedules.rows.size).toBe(0);
  });

  it("should stop and resume a workflow's schedules with its status", async () => {
    const { id } = await sut.create('alice', 'p1', { cron: '0 * * * *' });
    const event = { project_id: 'p1', user_id: 'alice' };

    await sut.onWorkflowUpserted({ ...event, status: WorkflowStatus.Inactive });
    const stopped = queue.ids.has(id);
    await sut.onWorkflowUpserted({ ...event, status: WorkflowStatus.Active });

    expect(stopped).toBe(false);
    expect(queue.ids.has(id)).toBe(true);
  });

  it(`should delete a workflow's schedules on ${WorkflowEvents.Deleted}`, async () => {
    const { id } = await sut.create('alice', 'p1', { cron: '0 * * * *' });

    await sut.onWorkflowDeleted({ project_id: 'p1', user_id: 'alice' });

    expect(schedules.rows.has(id)).toBe(false);
    expect(queue.ids.has(id)).toBe(false);
  });
});
