import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CONTROL_TOOL_NAMES } from '../apps/api/src/mcp/control/control-tools';
import { TestApp, startTestApp } from './support/app';
import { TestExecutor } from './support/executor';
import { bearer, createKey, upsertWorkflow } from './support/fixtures';
import { connectMcp } from './support/mcp';
import {
  NodeError,
  checkIntegration,
  checkWorkflow,
  nodeHash,
  snapshot,
  withNodeMcp,
} from './support/n8n-node';
import { waitFor } from './support/wait';

const SCHEMA = {
  type: 'object',
  properties: { customer: { type: 'string', minLength: 1 } },
  required: ['customer'],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
type Json = Record<string, any>;

const payloadOf = (result: unknown): Json => {
  const r = result as CallToolResult;
  // The same JSON as structuredContent and as the one text block.
  expect(r.content).toHaveLength(1);
  expect(JSON.parse((r.content[0] as { text: string }).text)).toEqual(r.structuredContent);
  return r.structuredContent as Json;
};

async function executionRows(sut: TestApp, userId: string, key: string) {
  return (await sut.db.query(
    'SELECT id, status, `trigger` FROM executions WHERE user_id = ? AND idempotency_key = ?',
    [userId, key],
  )) as Array<{ id: string; status: string; trigger: string }>;
}

describe('MCP control tools (e2e)', () => {
  let sut: TestApp;
  let aliceKey: string;
  let bobKey: string;
  let client: Client;
  const clients: Client[] = [];

  const connect = async (key: string) => {
    const c = await connectMcp(sut.url, key);
    clients.push(c);
    // Listed first: the SDK client then checks every structuredContent against the schemas.
    await c.listTools();
    return c;
  };
  const call = async (name: string, args: Json = {}, by: Client = client) => {
    const result = (await by.callTool({ name, arguments: args })) as CallToolResult;
    return { result, payload: payloadOf(result) };
  };
  const ok = async (name: string, args: Json = {}, by?: Client) => {
    const { result, payload } = await call(name, args, by);
    expect(result.isError, JSON.stringify(payload)).toBeFalsy();
    return payload;
  };
  const refused = async (name: string, args: Json = {}, by?: Client) => {
    const { result, payload } = await call(name, args, by);
    expect(result.isError).toBe(true);
    return payload.error as { code: string; message: string };
  };
  const pollUntilTerminal = (executionId: string) =>
    waitFor(() => ok('astron_execution_get', { executionId }), {
      what: `execution ${executionId} to end`,
      accept: (s) => s.terminal === true,
    });

  beforeAll(async () => {
    sut = await startTestApp({ SIM_DELAY_MS: '100' });
    aliceKey = await createKey(sut.http, 'alice');
    bobKey = await createKey(sut.http, 'bob');
    await upsertWorkflow(sut.http, 'alice', 'inv', {
      name: 'Invoice',
      description: 'Exports an invoice',
      version: '2.1.0',
      parameters: SCHEMA,
    });
    await upsertWorkflow(sut.http, 'alice', 'free', { name: 'Free form' });
    await upsertWorkflow(sut.http, 'alice', 'off', { name: 'Off', status: 0 });
    await upsertWorkflow(sut.http, 'alice', 'clash', {
      name: 'Clash',
      english_name: 'astron_workflow_list',
    });
    await upsertWorkflow(sut.http, 'bob', 'bob1', { name: 'Bob only' });
    client = await connect(aliceKey);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await sut?.close();
  });

  describe('discovery', () => {
    it('should list the six control tools first, with input and output schemas', async () => {
      const { tools } = await client.listTools();

      expect(tools.slice(0, 6).map((t) => t.name)).toEqual(CONTROL_TOOL_NAMES);
      for (const tool of tools.slice(0, 6)) {
        expect(tool.inputSchema.type).toBe('object');
        expect(tool.outputSchema?.type).toBe('object');
      }
    });

    it('should give a workflow named like a control tool a distinct, working tool name', async () => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);

      expect(names.filter((n) => n === 'astron_workflow_list')).toHaveLength(1);
      expect(names).toContain('astron_workflow_list_clash');
      const run = (await client.callTool({
        name: 'astron_workflow_list_clash',
        arguments: {},
      })) as CallToolResult;
      expect(run.structuredContent).toMatchObject({ project_id: 'clash', status: 'COMPLETED' });
    });

    it('should report the contract the n8n node checks, and the executor state', async () => {
      const info = await ok('astron_integration_get');

      expect(() => checkIntegration(info)).not.toThrow();
      expect(info.executor).toEqual({
        required: false,
        tracked: true,
        online: false,
        ready: true,
      });
      expect(info.client).toMatchObject({ state: 'ready' });

      const executor = await TestExecutor.connect(sut.url, { key: aliceKey });
      try {
        const later = await waitFor(() => ok('astron_integration_get'), {
          what: "alice's executor reported online",
          accept: (answer) => answer.executor.online === true,
        });
        expect(later.executor).toEqual({
          required: false,
          tracked: true,
          online: true,
          ready: true,
        });
      } finally {
        executor.close();
      }
    });

    it("should page through the caller's active workflows only", async () => {
      const first = await ok('astron_workflow_list', { limit: 2 });
      const second = await ok('astron_workflow_list', { offset: first.nextOffset, limit: 2 });

      expect(first.workflows.map((w: Json) => w.projectId)).toEqual(['inv', 'free']);
      expect(first.nextOffset).toBe(2);
      expect(second.workflows.map((w: Json) => w.projectId)).toEqual(['clash']);
      expect(second.nextOffset).toBeNull();
      expect(first.workflows[0]).toMatchObject({
        name: 'Invoice',
        description: 'Exports an invoice',
        version: 2,
        versionLabel: '2.1.0',
      });
    });

    it.each([
      ['an offset beyond 32 bits', { offset: 1e300 }],
      ['a limit over 100', { limit: 101 }],
      ['a fractional offset', { offset: 1.5 }],
    ])('should refuse %s with INVALID_ARGUMENTS', async (_, args) => {
      const error = await refused('astron_workflow_list', args);

      expect(error.code).toBe('INVALID_ARGUMENTS');
    });

    it('should describe a workflow with its input schema and profile', async () => {
      const workflow = await ok('astron_workflow_get', { projectId: 'inv' });

      expect(workflow).toMatchObject({
        projectId: 'inv',
        version: 2,
        inputSchema: SCHEMA,
        supportsCancel: true,
      });
      expect(() => checkWorkflow(workflow, 'inv', 2)).not.toThrow();
    });

    it.each([
      ['an unknown workflow', 'nope'],
      ['an inactive workflow', 'off'],
      ["another user's workflow", 'bob1'],
    ])('should answer WORKFLOW_NOT_FOUND for %s', async (_, projectId) => {
      const error = await refused('astron_workflow_get', { projectId });

      expect(error.code).toBe('WORKFLOW_NOT_FOUND');
    });
  });

  describe('runs', () => {
    it('should start at once, then report the run succeeded with its outputs', async () => {
      const started = await ok('astron_workflow_execute', {
        projectId: 'inv',
        params: { customer: 'ACME' },
      });

      expect(started).toMatchObject({
        projectId: 'inv',
        version: 2,
        status: 'accepted',
        terminal: false,
        cancelRequested: false,
        supportsCancel: true,
        result: null,
        error: null,
      });
      const ended = await pollUntilTerminal(started.executionId);
      expect(ended).toMatchObject({
        status: 'succeeded',
        terminal: true,
        result: { customer: 'ACME' },
        error: null,
        supportsCancel: false,
      });
      expect(ended.finishedAt).toEqual(expect.any(String));
    });

    it('should report a failed run with its error', async () => {
      const started = await ok('astron_workflow_execute', {
        projectId: 'free',
        params: { __sim: { fail: 'paper jam' } },
      });

      const ended = await pollUntilTerminal(started.executionId);

      expect(ended.status).toBe('failed');
      expect(ended.error).toEqual({
        code: 'EXECUTION_FAILED',
        message: expect.stringContaining('paper jam'),
      });
    });

    it("should end as timeout when the run's own executionTimeout passes", async () => {
      const started = await ok('astron_workflow_execute', {
        projectId: 'free',
        params: { __sim: { hang: true } },
        executionTimeout: 1,
      });

      const ended = await pollUntilTerminal(started.executionId);

      expect(ended).toMatchObject({ status: 'timeout', terminal: true });
      expect(ended.error.code).toBe('EXECUTION_TIMEOUT');
    });

    it('should cancel through the REST path and answer an ended run as it is', async () => {
      const started = await ok('astron_workflow_execute', {
        projectId: 'free',
        params: { __sim: { hang: true } },
      });

      const cancelled = await ok('astron_execution_cancel', { executionId: started.executionId });
      const again = await ok('astron_execution_cancel', { executionId: started.executionId });

      expect(cancelled).toMatchObject({
        status: 'cancelled',
        terminal: true,
        cancelRequested: true,
        error: { code: 'EXECUTION_CANCELLED' },
      });
      expect(again).toEqual(cancelled);
      const [row] = await sut.db.query('SELECT status FROM executions WHERE id = ?', [
        started.executionId,
      ]);
      expect(row.status).toBe('CANCELLED');
    });

    it('should answer EXECUTION_NOT_FOUND for an unknown or foreign execution', async () => {
      const mine = await ok('astron_workflow_execute', { projectId: 'free' });
      const bob = await connect(bobKey);

      const foreign = await refused('astron_execution_get', { executionId: mine.executionId }, bob);
      const unknown = await refused('astron_execution_cancel', {
        executionId: '00000000-0000-4000-8000-000000000000',
      });

      expect(foreign.code).toBe('EXECUTION_NOT_FOUND');
      expect(unknown.code).toBe('EXECUTION_NOT_FOUND');
    });

    it.each([
      ['an unknown argument', { projectId: 'free', speed: 'max' }, 'INVALID_ARGUMENTS'],
      ['params that fail the schema', { projectId: 'inv', params: {} }, 'INVALID_ARGUMENTS'],
      ['a long key', { projectId: 'free', idempotencyKey: 'k'.repeat(201) }, 'INVALID_ARGUMENTS'],
      ['another version', { projectId: 'inv', version: 1 }, 'VERSION_NOT_ALLOWED'],
      ['a stale profile', { projectId: 'inv', profileRevision: 'old' }, 'PROFILE_STALE'],
      [
        'a capability class',
        { projectId: 'inv', capabilityClass: 'json-data' },
        'CAPABILITY_UNSUPPORTED',
      ],
      [
        'a timeout past the limit',
        { projectId: 'free', executionTimeout: 86400 },
        'INVALID_ARGUMENTS',
      ],
    ])('should refuse %s, starting nothing', async (_, args, code) => {
      const [before] = await sut.db.query('SELECT COUNT(*) AS n FROM executions');

      const error = await refused('astron_workflow_execute', args);

      expect(error.code).toBe(code);
      const [after] = await sut.db.query('SELECT COUNT(*) AS n FROM executions');
      expect(Number(after.n)).toBe(Number(before.n));
    });

    it('should hold keys to their scopes', async () => {
      const readOnly = await connect(await createKey(sut.http, 'alice', { scopes: ['read'] }));

      const error = await refused('astron_workflow_execute', { projectId: 'free' }, readOnly);

      expect(error).toEqual({
        code: 'FORBIDDEN',
        message: 'This API key lacks the scope: execute',
      });
    });
  });

  describe('idempotency', () => {
    it('should give a retried start the same execution, stored once', async () => {
      const args = { projectId: 'free', params: { n: 1 }, idempotencyKey: 'retry-1' };

      const first = await ok('astron_workflow_execute', args);
      const retried = await ok('astron_workflow_execute', args);

      expect(retried.executionId).toBe(first.executionId);
      expect(await executionRows(sut, 'alice', 'retry-1')).toHaveLength(1);
    });

    it('should start one execution for concurrent starts with one key', async () => {
      const args = { projectId: 'free', params: { n: 2 }, idempotencyKey: 'burst-1' };

      const answers = await Promise.all(
        Array.from({ length: 8 }, () => ok('astron_workflow_execute', args)),
      );

      expect(new Set(answers.map((a) => a.executionId)).size).toBe(1);
      expect(await executionRows(sut, 'alice', 'burst-1')).toHaveLength(1);
    });

    it('should refuse a different request under a used key with IDEMPOTENCY_CONFLICT', async () => {
      await ok('astron_workflow_execute', {
        projectId: 'free',
        params: { n: 1 },
        idempotencyKey: 'k-3',
      });

      const error = await refused('astron_workflow_execute', {
        projectId: 'free',
        params: { n: 2 },
        idempotencyKey: 'k-3',
      });

      expect(error.code).toBe('IDEMPOTENCY_CONFLICT');
      expect(await executionRows(sut, 'alice', 'k-3')).toHaveLength(1);
    });

    it("should share keys with REST's Idempotency-Key, per user", async () => {
      const mcp = await ok('astron_workflow_execute', {
        projectId: 'free',
        params: { n: 4 },
        idempotencyKey: 'shared-1',
      });

      const same = await sut.http
        .post('/v1/executions')
        .set(bearer(aliceKey))
        .set('Idempotency-Key', 'shared-1')
        .send({ project_id: 'free', params: { n: 4 } })
        .expect(202);
      const different = await sut.http
        .post('/v1/executions')
        .set(bearer(aliceKey))
        .set('Idempotency-Key', 'shared-1')
        .send({ project_id: 'free', params: { n: 5 } })
        .expect(409);
      const bobs = await ok(
        'astron_workflow_execute',
        { projectId: 'bob1', idempotencyKey: 'shared-1' },
        await connect(bobKey),
      );

      expect(same.body.data.execution.id).toBe(mcp.executionId);
      expect(different.body).toMatchObject({ error: 'IDEMPOTENCY_CONFLICT', data: null });
      expect(bobs.executionId).not.toBe(mcp.executionId);
    });

    it('should find the run of a retried key even after the workflow changed', async () => {
      const args = {
        projectId: 'inv',
        version: 2,
        params: { customer: 'A' },
        idempotencyKey: 'k-5',
      };
      const first = await ok('astron_workflow_execute', args);
      await upsertWorkflow(sut.http, 'alice', 'inv', {
        name: 'Invoice',
        version: '3.0.0',
        parameters: SCHEMA,
      });

      const retried = await ok('astron_workflow_execute', args);

      expect(retried.executionId).toBe(first.executionId);
      expect(retried.version).toBe(2);
      await upsertWorkflow(sut.http, 'alice', 'inv', {
        name: 'Invoice',
        description: 'Exports an invoice',
        version: '2.1.0',
        parameters: SCHEMA,
      });
    });
  });

  describe("the platform's n8n node", () => {
    it('should pass its credential test', async () => {
      const info = await withNodeMcp(sut.url, aliceKey, async (node) => {
        const names = await node.listTools();
        if (!names.includes('astron_integration_get')) throw new NodeError('CONTRACT_UNSUPPORTED');
        return checkIntegration(await node.call('astron_integration_get', {}));
      });

      expect((info.client as Json).state).toBe('ready');
    });

    it('should run its sequence: integration, workflow_get, execute with a key, poll, cancel', async () => {
      const projectId = 'free';
      const version = 1;
      // Preparation (one connection): integration, declaration, arguments.
      const args = await withNodeMcp(sut.url, aliceKey, async (node) => {
        checkIntegration(await node.call('astron_integration_get', {}));
        const profile = checkWorkflow(
          await node.call('astron_workflow_get', { projectId }),
          projectId,
          version,
        );
        return {
          projectId,
          version,
          params: { __sim: { hang: true }, order: 'A-1' },
          idempotencyKey: `n8n:${nodeHash(['instance', 'exec-1', 'node-1', 0, 0])}`,
          profileRevision: String(profile.revision),
          executionTimeout: 120,
        };
      });
      // Step 1: integration + execute; the answer is lost, so the runner repeats the step.
      const step = () =>
        withNodeMcp(sut.url, aliceKey, async (node) => {
          checkIntegration(await node.call('astron_integration_get', {}));
          return snapshot(await node.call('astron_workflow_execute', args), {
            projectId,
            version,
          });
        });
      const first = await step();
      const repeated = await step();
      // Poll steps, then the node's Cancel Execution operation.
      const polled = await withNodeMcp(sut.url, aliceKey, async (node) =>
        snapshot(await node.call('astron_execution_get', { executionId: repeated.executionId }), {
          executionId: repeated.executionId,
          projectId,
          version,
        }),
      );
      const cancelled = await withNodeMcp(sut.url, aliceKey, async (node) =>
        snapshot(
          await node.call('astron_execution_cancel', { executionId: repeated.executionId }),
          { executionId: repeated.executionId },
        ),
      );

      expect(repeated.executionId).toBe(first.executionId);
      expect(await executionRows(sut, 'alice', args.idempotencyKey)).toEqual([
        { id: first.executionId, status: 'CANCELLED', trigger: 'mcp' },
      ]);
      expect(['accepted', 'running']).toContain(polled.status);
      expect(cancelled).toMatchObject({
        status: 'cancelled',
        terminal: true,
        cancelRequested: true,
      });
    });

    it('should see its bad key refused as AUTHENTICATION_FAILED', async () => {
      const attempt = withNodeMcp(sut.url, 'rpa_not_a_real_key', (node) => node.listTools());

      await expect(attempt).rejects.toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    });

    it('should see a changed request under its key refused as IDEMPOTENCY_CONFLICT', async () => {
      const base = { projectId: 'free', version: 1, params: { a: 1 }, idempotencyKey: 'n8n:x' };
      await withNodeMcp(sut.url, aliceKey, (node) => node.call('astron_workflow_execute', base));

      const attempt = withNodeMcp(sut.url, aliceKey, (node) =>
        node.call('astron_workflow_execute', { ...base, params: { a: 2 } }),
      );

      await expect(attempt).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    });
  });
});
