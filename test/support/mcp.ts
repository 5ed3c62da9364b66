import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** How an MCP client hands over its key (docs/mcp.md). */
export type KeyForm = 'header' | 'query';

/** An MCP SDK client connected to `<baseUrl>/mcp`, as an agent would connect. */
export async function connectMcp(
  baseUrl: string,
  key?: string,
  form: KeyForm = 'header',
): Promise<Client> {
  const url = new URL('/mcp', baseUrl);
  if (key !== undefined && form === 'query') url.searchParams.set('key', key);
  const headers: Record<string, string> =
    key !== undefined && form === 'header' ? { Authorization: `Bearer ${key}` } : {};
  const client = new Client({ name: 'rpa-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}
