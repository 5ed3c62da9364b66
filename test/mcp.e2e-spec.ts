import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ModulesContainer } from '@nestjs/core';
import { CONTROL_TOOL_NAMES } from '../apps/api/src/mcp/control/control-tools';
import { ExecutionEventBus } from '../apps/api/src/execution/execution-event.bus';
import { ExecutionService } from '../apps/api/src/execution/execution.service';
import { WorkflowService } from '../apps/api/src/workflow/workflow.service';
import { McpToolsService } from '../apps/api/src/mcp/mcp-tools.service';
import { TestApp, startTestApp } from './support/app';
import { WorkflowFields, createKeyWithId, upsertWorkflow } from './support/fixtures';
import { KeyForm, connectMcp } from './support/mcp';
import { waitFor } from './support/wait';

const INVOICE_SCHEMA = {
  type: 'object',
  properties: {
    customer: { type: 'string', minLength: 1 },
    amount: { type: 'number', minimum: 0 },
  },
  required: ['customer', 'amount'],
};

interface Summary {
  execution_id: string;
  project_id: string;
  status: string;
  done: boolean;
  progress: number;
  result: { data?: Record<string, unknown> } | null;
  error: string | null;
}

/** The tools a caller's own workflows add (the fixed control tools come first). */
const ownTools = <T extends { name: string }>(tools: T[]): T[] =>
  tools.filter((tool) => !CONTROL_TOOL_NAMES.includes(tool.name));
const ALL_TOOLS = CONTROL_TOOL_NAMES.length + 5;

const summaryOf = (result: unknown) =>
  (result as CallToolResult).structuredContent as unknown as Summary;
const textOf = (result: unknown) =>
  (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

const createKey = (sut: TestApp, user: string, scopes?: string[]) =>
  createKeyWithId(sut.http, user, { name: `mcp ${user}`, scopes });

const upsert = (
  sut: TestApp,
  user: string,
  { project_id, ...fields }: WorkflowFields & { project_id: string },
) => upsertWorkflow(sut.http, user, project_id, fields);

async function executionCount(sut: TestApp, projectId: string): Promise<number> {
  const [row] = await sut.db.query('SELECT COUNT(*) AS n FROM executions WHERE project_id = ?', [
    projectId,
  ]);
  return Number(row.n);
}

/** The MCP error a call was refused with. */
async function refusal(call: Promise<unknown>): Promise<McpError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

describe('MCP (e2e)', () => {
  let sut: TestApp;
  let aliceKey: string;
  let bobKey: string;
  const clients: Client[] = [];
  const connect = async (key?: string, form?: KeyForm) => {
    const client = await connectMcp(sut.url, key, form);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    sut = await startTestApp();
    aliceKey = (await createKey(sut, 'alice')).key;
    bobKey = (await createKey(sut, 'bob')).key;
    await upsert(sut, 'alice', {
      project_id: 'inv',
      name: '开票',
      english_name: 'Invoice Export',
      description: 'Exports an invoice to the ERP.',
      parameters: INVOICE_SCHEMA,
    });
    await upsert(sut, 'alice', { project_id: 'rep', name: '月度报表' });
    await upsert(sut, 'alice', { project_id: 'dup', name: 'Invoice Export' });
    await upsert(sut, 'alice', {
      project_id: 'str',
      name: 'Free form',
      parameters: { type: 'string' },
    });
    await upsert(sut, 'alice', { project_id: 'off', name: 'Switched off', status: 0 });
    await upsert(sut, 'bob', { project_id: 'bob1', name: 'Bob tool' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await sut?.close();
  });

  describe('tools/list', () => {
    it('should list the control tools, one tool per active workflow of the caller, plus get_execution', async () => {
      const client = await connect(aliceKey);

      const { tools: all } = await client.listTools();

      expect(all.slice(0, CONTROL_TOOL_NAMES.length).map((t) => t.name)).toEqual(
        CONTROL_TOOL_NAMES,
      );
      const tools = ownTools(all);
      expect(tools.map((t) => t.name)).toEqual([
        'Invoice_Export',
        'workflow_rep',
        'Invoice_Export_dup',
        'Free_form',
        'get_execution',
      ]);
      const invoice = tools[0];
      expect(invoice.inputSchema).toEqual(INVOICE_SCHEMA);
      expect(invoice.title).toBe('开票');
      expect(invoice.description).toContain('Exports an invoice to the ERP.');
      expect(invoice.description).toContain('project_id inv');
      expect(tools[1].description).toMatch(/^Runs the RPA workflow "月度报表" \(project_id rep/);
      expect(tools[1].inputSchema).toEqual({ type: 'object' });
      expect(tools[3].inputSchema).toEqual({ type: 'object' });
      expect(tools[4].inputSchema).toMatchObject({ required: ['execution_id'] });
    });

    it('should show another user only their own workflows', async () => {
      const client = await connect(bobKey);

      const { tools } = await client.listTools();

      expect(ownTools(tools).map((t) => t.name)).toEqual(['Bob_tool', 'get_execution']);
    });

    it('should take the key from ?key= as well as from the Authorization header', async () => {
      const client = await connect(aliceKey, 'query');

      const { tools } = await client.listTools();

      expect(tools).toHaveLength(ALL_TOOLS);
    });

    it('should refuse a bad or missing key with HTTP 401 and WWW-Authenticate: Bearer', async () => {
      for (const key of ['rpa_not_a_real_key', undefined]) {
        await expect(connect(key)).rejects.toMatchObject({ code: 401 });
      }
    });
  });

  describe('tools/call', () => {
    it('should run the workflow through the queue and answer its result', async () => {
      const client = await connect(aliceKey);
      // Listed first, the client checks structuredContent against each tool's outputSchema.
      await client.listTools();

      const result = await client.callTool({
        name: 'Invoice_Export',
        arguments: { customer: 'ACME', amount: 12.5 },
      });

      expect(result.isError).toBeFalsy();
      const summary = summaryOf(result);
      expect(summary).toMatchObject({
        project_id: 'inv',
        status: 'COMPLETED',
        done: true,
        progress: 100,
        result: { data: { customer: 'ACME', amount: 12.5 } },
        error: null,
      });
      expect(JSON.parse(textOf(result))).toEqual(summary);
      const [row] = await sut.db.query(
        'SELECT user_id, project_id, `trigger`, status FROM executions WHERE id = ?',
        [summary.execution_id],
      );
      expect(row).toEqual({
        user_id: 'alice',
        project_id: 'inv',
        trigger: 'mcp',
        status: 'COMPLETED',
      });
    });

    it('should send progress notifications in order before the result when asked', async () => {
      const client = await connect(aliceKey);
      const seen: Array<{ progress: number; total?: number; message?: string }> = [];

      const result = await client.callTool(
        { name: 'workflow_rep', arguments: { __sim: { progress_steps: 4, delay_ms: 1600 } } },
        undefined,
        { onprogress: (p) => seen.push(p) },
      );

      expect(summaryOf(result).status).toBe('COMPLETED');
      const values = seen.map((p) => p.progress);
      expect(values.length).toBeGreaterThanOrEqual(3);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(new Set(values).size).toBe(values.length);
      expect(values.some((v) => v > 0 && v < 100)).toBe(true);
      expect(values.every((v) => [0, 25, 50, 75, 100].includes(v))).toBe(true);
      expect(values.at(-1)).toBe(100);
      expect(
        seen.every((p) => p.total === 100 && /^Execution [A-Z]+ \(\d+%\)$/.test(p.message ?? '')),
      ).toBe(true);
    });

    it('should send no progress notification without a progress token', async () => {
      const client = await connect(aliceKey);
      const notifications: unknown[] = [];
      client.fallbackNotificationHandler = async (n) => {
        notifications.push(n);
      };

      const result = await client.callTool({
        name: 'workflow_rep',
        arguments: { __sim: { progress_steps: 2, delay_ms: 300 } },
      });

      expect(summaryOf(result).status).toBe('COMPLETED');
      expect(notifications).toEqual([]);
    });

    it('should answer a failed run as a tool error carrying the execution', async () => {
      const client = await connect(aliceKey);
      await client.listTools();

      const result = await client.callTool({
        name: 'Free_form',
        arguments: { __sim: { fail: 'printer on fire', delay_ms: 50 } },
      });

      expect(result.isError).toBe(true);
      expect(summaryOf(result)).toMatchObject({ status: 'FAILED', done: true });
      expect(summaryOf(result).error).toContain('printer on fire');
    });

    it('should refuse bad arguments with a tool error naming them, starting nothing', async () => {
      const client = await connect(aliceKey);
      const before = await executionCount(sut, 'inv');

      const result = await client.callTool({
        name: 'Invoice_Export',
        arguments: { customer: 42, amount: -3 },
      });

      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(
        'Invalid arguments for Invoice_Export: customer: must be string; amount: must be >= 0',
      );
      expect(result.structuredContent).toBeUndefined();
      expect(await executionCount(sut, 'inv')).toBe(before);
    });

    it('should refuse missing required arguments', async () => {
      const client = await connect(aliceKey);

      const result = await client.callTool({ name: 'Invoice_Export', arguments: {} });

      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(
        'Invalid arguments for Invoice_Export: ' +
          "customer: must have required property 'customer'; " +
          "amount: must have required property 'amount'",
      );
    });

    it('should take the run options of the REST start routes from _meta "rpa/run"', async () => {
      const client = await connect(aliceKey);

      const result = await client.callTool({
        name: 'workflow_rep',
        arguments: {},
        _meta: { 'rpa/run': { priority: 2, reference: 'ORDER-7', timeout_ms: 60000 } },
      });
      const refused = await client.callTool({
        name: 'workflow_rep',
        arguments: {},
        _meta: { 'rpa/run': { priority: 0 } },
      });

      const [row] = await sut.db.query(
        'SELECT priority, reference, timeout_ms FROM executions WHERE id = ?',
        [summaryOf(result).execution_id],
      );
      expect(row).toEqual({ priority: 2, reference: 'ORDER-7', timeout_ms: 60000 });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe(
        'workflow_rep was not started: invalid run options in _meta "rpa/run": ' +
          'priority: priority must not be less than 1',
      );
    });

    it('should let the execution go on when the client goes away mid-call', async () => {
      const gone = new AbortController();
      const call = fetch(`${sut.url}/mcp`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${aliceKey}`,
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'workflow_rep',
            arguments: { __sim: { delay_ms: 1500 } },
            _meta: { 'rpa/run': { reference: 'client-gone' } },
          },
        }),
        signal: gone.signal,
      }).then((res) => res.text());
      const statusOf = async () => {
        const [row] = await sut.db.query('SELECT status FROM executions WHERE reference = ?', [
          'client-gone',
        ]);
        return row?.status as string | undefined;
      };
      await waitFor(statusOf, { what: 'the execution to be created', failFast: true });

      gone.abort();

      await expect(call).rejects.toThrow();
      await waitFor(statusOf, {
        what: 'the execution to complete',
        accept: (status) => status === 'COMPLETED',
        failFast: true,
      });
      const client = await connect(aliceKey);
      expect((await client.listTools()).tools).toHaveLength(ALL_TOOLS);
    });

    it('should refuse an unknown tool with a JSON-RPC error', async () => {
      const client = await connect(aliceKey);

      const err = await refusal(client.callTool({ name: 'No_such_tool', arguments: {} }));

      expect(err.code).toBe(ErrorCode.InvalidParams);
      expect(err.message).toContain('Unknown tool "No_such_tool"');
    });

    it("should not let a user call another user's workflow", async () => {
      const client = await connect(bobKey);
      const before = await executionCount(sut, 'inv');

      const err = await refusal(
        client.callTool({ name: 'Invoice_Export', arguments: { customer: 'x', amount: 1 } }),
      );

      expect(err.message).toContain('Unknown tool "Invoice_Export"');
      expect(await executionCount(sut, 'inv')).toBe(before);
    });

    it('should refuse a workflow deactivated between list and call', async () => {
      await upsert(sut, 'bob', { project_id: 'bob2', name: 'Soon off' });
      const client = await connect(bobKey);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('Soon_off');
      await upsert(sut, 'bob', { project_id: 'bob2', name: 'Soon off', status: 0 });

      const err = await refusal(client.callTool({ name: 'Soon_off', arguments: {} }));

      expect(err.message).toMatch(/Unknown tool "Soon_off".*deactivated/);
      expect(await executionCount(sut, 'bob2')).toBe(0);
    });

    it('should stop accepting a revoked key', async () => {
      const { key, id } = await createKey(sut, 'alice');
      const client = await connect(key, 'query');
      expect((await client.listTools()).tools).toHaveLength(ALL_TOOLS);

      await sut.http.delete(`/v1/api-keys/${id}`).set('X-User-Id', 'alice').expect(200);

      const err = await waitFor(
        async () =>
          client.callTool({ name: 'workflow_rep', arguments: {} }).then(
            () => undefined,
            (e: unknown) => e as McpError,
          ),
        { what: 'the revoked key to be refused', failFast: true },
      );
      expect(err).toMatchObject({ code: 401 });
      expect(err.message).toContain('Invalid, revoked or expired API key');
    });

    it('should hold keys to their scopes', async () => {
      const readOnly = await connect((await createKey(sut, 'alice', ['read'])).key);
      const executeOnly = await connect((await createKey(sut, 'alice', ['execute'])).key);

      const callErr = await refusal(readOnly.callTool({ name: 'workflow_rep', arguments: {} }));
      const listErr = await refusal(executeOnly.listTools());

      expect(callErr.code).toBe(-32011);
      expect(callErr.message).toBe('MCP error -32011: This API key lacks the scope: execute');
      expect(callErr.data).toEqual({ error: 'FORBIDDEN' });
      expect(listErr.message).toContain('This API key lacks the scope: read');
      expect((await readOnly.listTools()).tools).toHaveLength(ALL_TOOLS);
    });
  });

  describe('get_execution', () => {
    it("should answer the caller's execution and hide other users' ones", async () => {
      const alice = await connect(aliceKey);
      await alice.listTools();
      const bob = await connect(bobKey);
      const run = summaryOf(await alice.callTool({ name: 'workflow_rep', arguments: {} }));

      const own = await alice.callTool({
        name: 'get_execution',
        arguments: { execution_id: run.execution_id },
      });
      const foreign = await bob.callTool({
        name: 'get_execution',
        arguments: { execution_id: run.execution_id },
      });

      expect(summaryOf(own)).toEqual(run);
      expect(foreign.isError).toBe(true);
      expect(textOf(foreign)).toBe(`Execution ${run.execution_id} not found`);
    });

    it('should refuse a call without an execution_id', async () => {
      const client = await connect(aliceKey);

      const result = await client.callTool({ name: 'get_execution', arguments: {} });

      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('Invalid arguments for get_execution: execution_id: is required');
    });
  });

  describe('wiring', () => {
    it("should run tools on the application's one execution service and event bus", () => {
      const instances = (type: unknown) =>
        [...sut.app.get(ModulesContainer).values()].flatMap((module) =>
          [...module.providers.values()].filter((p) => p.metatype === type).map((p) => p.instance),
        );
      const tools = sut.app.get(McpToolsService) as unknown as Record<string, unknown>;

      expect(instances(ExecutionService)).toHaveLength(1);
      expect(instances(ExecutionEventBus)).toHaveLength(1);
      expect(instances(WorkflowService)).toHaveLength(1);
      expect(tools.executions).toBe(instances(ExecutionService)[0]);
      expect(tools.bus).toBe(instances(ExecutionEventBus)[0]);
    });
  });

  describe('HTTP', () => {
    it('should answer GET and DELETE with 405 in stateless mode', async () => {
      for (const method of ['get', 'delete'] as const) {
        const res = await sut.http[method]('/mcp').set('Authorization', `Bearer ${aliceKey}`);

        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe('POST');
        expect(res.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
      }
    });

    it('should answer a POST as an event stream, without a session', async () => {
      const res = await sut.http
        .post('/mcp')
        .set('Authorization', `Bearer ${aliceKey}`)
        .set('Accept', 'application/json, text/event-stream')
        .send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.headers['mcp-session-id']).toBeUndefined();
      expect(res.headers['x-request-id']).toBeTruthy();
      const data = res.text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)));
      expect(data).toHaveLength(1);
      expect(data[0].result.tools).toHaveLength(ALL_TOOLS);
    });
  });
});

describe('MCP tool timeout (e2e)', () => {
  let sut: TestApp;
  let client: Client;

  beforeAll(async () => {
    sut = await startTestApp({ MCP_TOOL_TIMEOUT_MS: '300' });
    const key = await createKeyWithId(sut.http, 'carol', { name: 'c' });
    await upsert(sut, 'carol', { project_id: 'slow', name: 'Slow job' });
    client = await connectMcp(sut.url, key.key);
    await client.listTools();
  });
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await sut?.close();
  });

  it('should answer the execution id and status past the timeout, then let get_execution follow it', async () => {
    const result = await client.callTool({
      name: 'Slow_job',
      arguments: { __sim: { delay_ms: 2000 } },
    });

    expect(result.isError).toBeFalsy();
    const running = summaryOf(result);
    expect(['PENDING', 'RUNNING']).toContain(running.status);
    expect(running.done).toBe(false);
    expect(textOf(result)).toContain(
      `Call get_execution with {"execution_id": "${running.execution_id}"}`,
    );

    const ended = await waitFor(
      async () =>
        summaryOf(
          await client.callTool({
            name: 'get_execution',
            arguments: { execution_id: running.execution_id },
          }),
        ),
      {
        what: 'the execution to end',
        accept: (polled) => polled.done,
        intervalMs: 200,
        failFast: true,
      },
    );
    expect(ended).toMatchObject({
      execution_id: running.execution_id,
      status: 'COMPLETED',
      result: { data: {} },
    });
  });
});

describe('MCP in a worker process (e2e)', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startTestApp({ APP_ROLE: 'worker' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should not serve /mcp', async () => {
    await sut.http
      .post('/mcp')
      .set('Accept', 'application/json, text/event-stream')
      .send({ jsonrpc: '2.0', id: 1, method: 'tools/list' })
      .expect(404);
  });
});
