import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppException, JsonSchemaValidator } from '@app/common';
import { InProcessRedis } from '@app/common/redis/redis.fake';
import { WorkflowEntity, WorkflowStatus } from './entities/workflow.entity';
import { WorkflowEvents } from './workflow.events';
import { WorkflowFields, WorkflowRepository } from './workflow.repository';
import { WorkflowService } from './workflow.service';

/** The workflows table in memory, with the repository's contract. */
class FakeWorkflowRepository {
  readonly rows = new Map<string, WorkflowEntity>();
  reads = 0;

  async findByProjectId(projectId: string) {
    this.reads++;
    return this.rows.get(projectId) ?? null;
  }

  async findOwned(userId: string, projectId: string) {
    const row = this.rows.get(projectId);
    return row && row.user_id === userId ? row : null;
  }

  async updateOwned(userId: string, projectId: string, changes: WorkflowFields) {
    const row = await this.findOwned(userId, projectId);
    if (row) Object.assign(row, changes, { updated_at: new Date() });
    return Boolean(row);
  }

  async insertIfAbsent(userId: string, projectId: string, fields: WorkflowFields) {
    if (this.rows.has(projectId)) return false;
    const now = new Date();
    this.rows.set(projectId, {
      ...(fields as WorkflowEntity),
      project_id: projectId,
      user_id: userId,
      created_at: now,
      updated_at: now,
    });
    return true;
  }

  async deleteOwned(userId: string, projectId: string) {
    return Boolean((await this.findOwned(userId, projectId)) && this.rows.delete(projectId));
  }
}

describe(WorkflowService.name, () => {
  let repository: FakeWorkflowRepository;
  let events: EventEmitter2;
  let sut: WorkflowService;

  beforeEach(async () => {
    repository = new FakeWorkflowRepository();
    events = new EventEmitter2();
    sut = new WorkflowService(
      repository as unknown as WorkflowRepository,
      events,
      new JsonSchemaValidator(),
      new InProcessRedis().asService,
    );
    await sut.onModuleInit();
  });
  afterEach(() => sut.onModuleDestroy());

  it('should create a workflow, then update it, announcing both', async () => {
    const seen: string[] = [];
    events.on(WorkflowEvents.Upserted, (e: { project_id: string }) => seen.push(e.project_id));

    const created = await sut.upsert('alice', { project_id: 'p1', name: 'One' });
    const updated = await sut.upsert('alice', { project_id: 'p1', name: 'Uno' });

    expect([created.action, updated.action]).toEqual(['created', 'updated']);
    expect(updated.workflow.name).toBe('Uno');
    expect(seen).toEqual(['p1', 'p1']);
  });

  it('should refuse a project_id that another user owns with CONFLICT', async () => {
    await sut.upsert('alice', { project_id: 'p1', name: 'One' });

    const sutAnswer = sut.upsert('bob', { project_id: 'p1', name: 'Mine' });

    await expect(sutAnswer).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(repository.rows.get('p1')?.user_id).toBe('alice');
  });

  it('should keep stored fields a legacy merge leaves out', async () => {
    await sut.upsert('alice', { project_id: 'p1', name: 'One', description: 'kept' });

    const { workflow } = await sut.merge('alice', { project_id: 'p1', version: '2.0.0' });

    expect(workflow).toMatchObject({ name: 'One', description: 'kept', version: '2.0.0' });
  });

  it('should answer the start path from its cache until the workflow changes', async () => {
    await sut.upsert('alice', { project_id: 'p1', name: 'One' });
    await sut.findForStart('alice', 'p1');
    await sut.findForStart('alice', 'p1');
    expect(repository.reads).toBe(1);

    await sut.upsert('alice', { project_id: 'p1', name: 'One', status: WorkflowStatus.Inactive });
    const sutAnswer = await sut.findForStart('alice', 'p1');

    expect(repository.reads).toBe(2);
    expect(sutAnswer?.status).toBe(WorkflowStatus.Inactive);
  });

  it("should not hand another user's workflow to the start path", async () => {
    await sut.upsert('alice', { project_id: 'p1', name: 'One' });

    expect(await sut.findForStart('bob', 'p1')).toBeNull();
  });

  it('should answer WORKFLOW_NOT_FOUND when deleting a workflow the user does not have', async () => {
    await sut.upsert('alice', { project_id: 'p1', name: 'One' });

    const sutAnswer = sut.delete('bob', 'p1');

    await expect(sutAnswer).rejects.toBeInstanceOf(AppException);
    await expect(sutAnswer).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
    expect(repository.rows.has('p1')).toBe(true);
  });
});
