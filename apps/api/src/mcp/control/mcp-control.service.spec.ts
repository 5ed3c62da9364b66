import { AppConfig, AppException, JsonSchemaValidator, Principal } from '@app/common';
import { ExecutionService } from '../../execution/execution.service';
import { WorkflowEntity, WorkflowService, WorkflowStatus } from '../../workflow';
import { ExecutorCommands } from '../../executor/executor-commands.service';
import { ExecutorPresenceReader } from './executor-presence';
import { McpControlService } from './mcp-control.service';

const alice: Principal = { userId: 'alice', via: 'key', scopes: ['read', 'execute'] };
const workflow = {
  project_id: 'p1',
  user_id: 'alice',
  name: 'Payroll',
  version: '3.0.0',
  status: WorkflowStatus.Active,
  parameters: null,
} as unknown as WorkflowEntity;

describe(McpControlService.name, () => {
  let start: ReturnType<typeof vi.fn>;
  let sut: McpControlService;

  beforeEach(() => {
    start = vi.fn();
    sut = new McpControlService(
      { findForStart: async () => workflow } as unknown as WorkflowService,
      { start } as unknown as ExecutionService,
      new JsonSchemaValidator(),
      new ExecutorPresenceReader({
        required: false,
        isOnline: () => Promise.resolve(false),
      } as unknown as ExecutorCommands),
      { robot: { timeoutMs: 300_000 }, limits: { startPerMinute: 600 } } as unknown as AppConfig,
    );
  });

  const execute = (args: Record<string, unknown>) =>
    sut.call(alice, 'astron_workflow_execute', { projectId: 'p1', ...args });
  const errorOf = (result: Awaited<ReturnType<typeof execute>>) => {
    expect(result.isError).toBe(true);
    return (result.structuredContent as { error: { code: string; message: string } }).error;
  };

  it.each([
    [new AppException('RATE_LIMITED', 'Too many starts'), 'RATE_LIMITED'],
    [new AppException('WORKFLOW_INACTIVE', 'Workflow p1 is inactive'), 'WORKFLOW_NOT_FOUND'],
    [new AppException('IDEMPOTENCY_CONFLICT', 'used'), 'IDEMPOTENCY_CONFLICT'],
    [new AppException('SERVICE_UNAVAILABLE', 'queue down'), 'SERVICE_UNAVAILABLE'],
    [
      AppException.validation([{ field: 'params.a', errors: ['must be string'] }]),
      'INVALID_ARGUMENTS',
    ],
  ])('should answer the service refusal %s as %s', async (err, code) => {
    start.mockRejectedValue(err);

    expect(errorOf(await execute({})).code).toBe(code);
  });

  it('should answer an unexpected failure without its details', async () => {
    start.mockRejectedValue(new Error('connect ECONNREFUSED 10.0.0.7:3306 password=hunter2'));

    const error = errorOf(await execute({}));

    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.message).not.toMatch(/ECONNREFUSED|hunter2/);
  });

  it('should pass the version and revision checks to the start, after its replay check', async () => {
    start.mockImplementation(async (input: { admit: (w: WorkflowEntity) => void }) => {
      input.admit(workflow);
    });

    const wrongVersion = errorOf(await execute({ version: 2 }));
    const stale = errorOf(await execute({ version: 3, profileRevision: 'old' }));

    expect(wrongVersion.code).toBe('VERSION_NOT_ALLOWED');
    expect(wrongVersion.message).toContain('"3.0.0"');
    expect(stale.code).toBe('PROFILE_STALE');
  });

  it('should refuse a timeout above the service limit before starting (or spending the start budget)', async () => {
    const error = errorOf(await execute({ executionTimeout: 301 }));

    expect(error).toEqual({
      code: 'INVALID_ARGUMENTS',
      message: 'executionTimeout must not exceed 300 s on this service',
    });
    expect(start).not.toHaveBeenCalled();
  });
});
