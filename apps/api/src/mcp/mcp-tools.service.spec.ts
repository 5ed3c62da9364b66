import { Subject } from 'rxjs';
import { AppConfig, AppException, Principal } from '@app/common';
import {
  ExecutionEntity,
  ExecutionEventBus,
  ExecutionService,
  ExecutionStatus,
} from '../execution';
import { WorkflowEntity, WorkflowService, WorkflowStatus } from '../workflow';
import { McpRequestError } from './mcp-results';
import { StartBudget } from '../limits';
import { McpToolsService } from './mcp-tools.service';
import { McpControlService } from './control/mcp-control.service';

const alice: Principal = { userId: 'alice', via: 'key', scopes: ['read', 'execute', 'manage'] };

const workflow = (patch: Partial<WorkflowEntity>): WorkflowEntity =>
  ({
    project_id: 'p1',
    user_id: 'alice',
    name: 'Payroll',
    english_name: null,
    description: null,
    version: '1.0.0',
    status: WorkflowStatus.Active,
    parameters: null,
    created_at: new Date(),
    updated_at: new Date(),
    ...patch,
  }) as WorkflowEntity;

describe(McpToolsService.name, () => {
  let active: WorkflowEntity[];
  let start: ReturnType<typeof vi.fn>;
  let sut: McpToolsService;
  const controlAnswer = { content: [] };
  const control = { call: vi.fn().mockResolvedValue(controlAnswer) };
  const ended = {
    id: 'e1',
    project_id: 'p1',
    status: ExecutionStatus.Completed,
    progress: 100,
    result: { data: {} },
    error: null,
    created_at: new Date(),
    start_time: new Date(),
    end_time: new Date(),
  } as unknown as ExecutionEntity;
  beforeEach(() => {
    active = [workflow({})];
    start = vi.fn().mockResolvedValue({ execution: ended, replayed: false });
    sut = new McpToolsService(
      { listActive: async () => active } as unknown as WorkflowService,
      { start, waitForEnd: async () => ended } as unknown as ExecutionService,
      { events$: new Subject() } as unknown as ExecutionEventBus,
      {
        mcpToolTimeoutMs: 1000,
        mcp: { toolsPage: { maxTools: 100, maxBytes: 1 << 20 } },
      } as unknown as AppConfig,
      control as unknown as McpControlService,
    );
  });

  it('should answer a workflow deactivated after the lookup as a tool error', async () => {
    start.mockRejectedValue(new AppException('WORKFLOW_INACTIVE', 'Workflow p1 is inactive'));

    const result = await sut.callTool({ principal: alice }, 'Payroll', {});

    expect(result).toEqual({
      content: [{ type: 'text', text: 'Payroll was not started: Workflow p1 is inactive' }],
      isError: true,
    });
  });

  it('should answer an unavailable queue as a tool error the agent may retry', async () => {
    start.mockRejectedValue(
      new AppException('SERVICE_UNAVAILABLE', 'The execution queue is unavailable; try again'),
    );

    const result = await sut.callTool({ principal: alice }, 'Payroll', {});

    expect(result.isError).toBe(true);
  });

  it('should let unexpected failures through to the JSON-RPC layer', async () => {
    start.mockRejectedValue(new Error('ECONNRESET'));

    await expect(sut.callTool({ principal: alice }, 'Payroll', {})).rejects.toThrow('ECONNRESET');
  });

  it('should answer arguments that fail the workflow schema as a tool error naming them', async () => {
    start.mockRejectedValue(
      AppException.validation([
        { field: 'params.customer', errors: ['must be string'] },
        { field: 'params.lines[1].sku', errors: ['is required'] },
      ]),
    );

    const result = await sut.callTool({ principal: alice }, 'Payroll', { customer: 1 });

    expect(result).toEqual({
      content: [
        {
          type: 'text',
          text: 'Invalid arguments for Payroll: customer: must be string; lines[1].sku: is required',
        },
      ],
      isError: true,
    });
  });

  it('should pass run options from _meta to the start, params aside', async () => {
    const runOptions = { priority: 2, reference: 'ORDER-7', timeout_ms: 5000, exec_position: 'X' };

    await sut.callTool({ principal: alice, requestId: 'r1' }, 'Payroll', { a: 1 }, { runOptions });

    expect(start).toHaveBeenCalledWith({
      priority: 2,
      reference: 'ORDER-7',
      timeoutMs: 5000,
      execPosition: 'X',
      userId: 'alice',
      projectId: 'p1',
      params: { a: 1 },
      trigger: 'mcp',
      requestId: 'r1',
      budget: expect.any(StartBudget),
    });
    // The caller's own start budget, the one the REST start routes spend.
    expect(start.mock.calls[0][0].budget.tracker).toBe('start:user:alice');
  });

  it.each([
    ['not an object', 'fast', '_meta "rpa/run" must be an object'],
    ['params', { params: {} }, 'takes run options only'],
    ['a bad priority', { priority: 11 }, 'priority: priority must not be greater than 10'],
    ['an unknown option', { speed: 'max' }, 'speed: property speed should not exist'],
  ])('should refuse run options with %s, starting nothing', async (_, runOptions, message) => {
    const result = await sut.callTool({ principal: alice }, 'Payroll', {}, { runOptions });

    expect(result.isError).toBe(true);
    expect(result.content[0]).toMatchObject({ text: expect.stringContaining(message) });
    expect(start).not.toHaveBeenCalled();
  });

  it('should give a workflow named like a control tool a distinct tool name', async () => {
    active = [workflow({ english_name: 'astron_workflow_execute' })];

    const { tools } = await sut.listTools({ principal: alice });

    const names = tools.map((tool) => tool.name);
    expect(names.filter((name) => name === 'astron_workflow_execute')).toHaveLength(1);
    expect(names).toContain('astron_workflow_execute_p1');
    expect(tools.find((t) => t.name === 'astron_workflow_execute')?.title).toBe('Start a workflow');
  });

  it('should route a control tool name to the control tools, never to a workflow', async () => {
    active = [workflow({ english_name: 'astron_execution_get' })];

    const result = await sut.callTool({ principal: alice }, 'astron_execution_get', {});

    expect(control.call).toHaveBeenCalledWith(alice, 'astron_execution_get', {}, undefined);
    expect(result).toBe(controlAnswer);
    expect(start).not.toHaveBeenCalled();
  });

  it('should refuse an unknown tool with a JSON-RPC error', async () => {
    await expect(sut.callTool({ principal: alice }, 'Nope', {})).rejects.toBeInstanceOf(
      McpRequestError,
    );
  });
});
