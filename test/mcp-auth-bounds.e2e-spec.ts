import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { TestApp, startTestApp } from './support/app';
import { createKey, upsertWorkflow } from './support/fixtures';
import { connectMcp } from './support/mcp';

const ACCEPT = 'application/json, text/event-stream';
const listRequest = (id: number, cursor?: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/list',
  params: cursor === undefined ? {} : { cursor },
});

/** The JSON-RPC messages of an event-stream answer. */
const messagesOf = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)));

describe('MCP authentication and answer bounds (e2e)', () => {
  let sut: TestApp;
  let key: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    sut = await startTestApp({
      MCP_ALLOW_QUERY_KEY: 'false',
      MCP_TOOLS_PAGE_SIZE: '4',
      MCP_MAX_BATCH: '3',
    });
    key = await createKey(sut.http, 'alice');
    for (let i = 1; i <= 9; i++) {
      await upsertWorkflow(sut.http, 'alice', `w${i}`, { name: `Tool ${i}` });
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await sut?.close();
  });

  describe('authentication', () => {
    it.each([
      ['no key', {}, 'Bearer'],
      ['a bad key', { Authorization: 'Bearer rpa_not_a_real_key' }, 'Bearer error="invalid_token"'],
      [
        'another scheme',
        { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        'Bearer',
      ],
    ])(
      'should answer %s with HTTP 401 and WWW-Authenticate: Bearer',
      async (_, headers, challenge) => {
        const res = await sut.http
          .post('/mcp')
          .set(headers as Record<string, string>)
          .set('Accept', ACCEPT)
          .send(listRequest(1));

        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe(challenge);
        expect(res.body).toMatchObject({
          jsonrpc: '2.0',
          error: { code: -32010, data: { error: 'UNAUTHENTICATED' } },
          id: null,
        });
      },
    );

    it('should take the key from X-API-Key', async () => {
      const client = new Client({ name: 'x-api-key', version: '1.0.0' });
      clients.push(client);
      await client.connect(
        new StreamableHTTPClientTransport(new URL('/mcp', sut.url), {
          requestInit: { headers: { 'X-API-Key': key } },
        }),
      );

      const { tools } = await client.listTools();

      expect(tools.length).toBeGreaterThan(0);
    });

    it('should refuse ?key= when MCP_ALLOW_QUERY_KEY=false, saying so', async () => {
      const res = await sut.http.post(`/mcp?key=${key}`).set('Accept', ACCEPT).send(listRequest(1));

      expect(res.status).toBe(401);
      expect(res.body.error.message).toContain('(?key=) are disabled');
      await expect(connectMcp(sut.url, key, 'query')).rejects.toMatchObject({ code: 401 });
    });

    it('should refuse two keys at once', async () => {
      const res = await sut.http
        .post('/mcp')
        .set('Authorization', `Bearer ${key}`)
        .set('X-API-Key', key)
        .set('Accept', ACCEPT)
        .send(listRequest(1));

      expect(res.status).toBe(401);
      expect(res.body.error.message).toContain('exactly one API key');
    });
  });

  describe('bounds', () => {
    it('should page tools/list by MCP_TOOLS_PAGE_SIZE, every tool exactly once', async () => {
      const client = await connectMcp(sut.url, key);
      clients.push(client);
      const seen: Tool[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor });
        expect(page.tools.length).toBeLessThanOrEqual(4);
        seen.push(...page.tools);
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);

      // 6 control tools, 9 workflow tools, get_execution.
      expect(seen).toHaveLength(16);
      expect(new Set(seen.map((t) => t.name)).size).toBe(16);
      expect(pages).toBe(4);
    });

    it('should refuse a cursor it did not hand out', async () => {
      const client = await connectMcp(sut.url, key);
      clients.push(client);

      await expect(client.listTools({ cursor: 'bm9wZQ' })).rejects.toThrow(/Invalid cursor/);
    });

    it('should refuse a batch over MCP_MAX_BATCH, and answer a batch within it', async () => {
      const post = (body: unknown) =>
        sut.http
          .post('/mcp')
          .set('Authorization', `Bearer ${key}`)
          .set('Accept', ACCEPT)
          .set('MCP-Protocol-Version', '2025-03-26')
          .send(body as object);

      const tooMany = await post([1, 2, 3, 4].map((id) => listRequest(id)));
      const allowed = await post([1, 2, 3].map((id) => listRequest(id)));

      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toMatchObject({ error: { code: -32600 }, id: null });
      expect(allowed.status).toBe(200);
      const answers = messagesOf(allowed.text);
      expect(answers).toHaveLength(3);
      for (const answer of answers) expect(answer.result.tools).toHaveLength(4);
    });
  });
});

describe('MCP answer size of a batch of tools/list (e2e)', () => {
  let sut: TestApp;
  let key: string;
  /** About 4 KB of JSON Schema per workflow. */
  const wide = {
    type: 'object',
    properties: Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [
        `field_${i}`,
        { type: 'string', maxLength: 200, description: `Input field ${i} of a wide form` },
      ]),
    ),
  };

  beforeAll(async () => {
    sut = await startTestApp({ MCP_TOOLS_PAGE_BYTES: '16384' });
    key = await createKey(sut.http, 'alice');
    for (let i = 0; i < 40; i++) {
      await upsertWorkflow(sut.http, 'alice', `wide${i}`, { name: `Wide ${i}`, parameters: wide });
    }
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should answer a batch of ten tools/list with ten bounded pages, not ten whole lists', async () => {
    const batch = Array.from({ length: 10 }, (_, i) => listRequest(i + 1));

    const res = await sut.http
      .post('/mcp')
      .set('Authorization', `Bearer ${key}`)
      .set('Accept', ACCEPT)
      .set('MCP-Protocol-Version', '2025-03-26')
      .send(batch);

    expect(res.status).toBe(200);
    const answers = messagesOf(res.text);
    expect(answers).toHaveLength(10);
    const wholeList = Buffer.byteLength(JSON.stringify(wide)) * 40;
    for (const answer of answers) {
      expect(Buffer.byteLength(JSON.stringify(answer.result.tools))).toBeLessThanOrEqual(16384);
      expect(answer.result.nextCursor).toEqual(expect.any(String));
    }
    expect(Buffer.byteLength(res.text)).toBeLessThan((10 * wholeList) / 5);
  });
});
