// A terminal MCP client on this project's own SDK (any Node it supports): lists the tools a
// key sees, or calls one. Usage:
//   RPA_API_KEY=rpa_… node scripts/mcp-call.mjs http://host:8020/mcp
//   RPA_API_KEY=rpa_… node scripts/mcp-call.mjs http://host:8020/mcp <tool> '{"month":"2026-10"}'
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, tool, args = '{}'] = process.argv.slice(2);
if (!url || !process.env.RPA_API_KEY) {
  console.error('usage: RPA_API_KEY=<key> node scripts/mcp-call.mjs <url of /mcp> [tool] [json args]');
  process.exit(2);
}
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${process.env.RPA_API_KEY}` } },
});
const client = new Client({ name: 'rpa-mcp-call', version: '1.0.0' });
await client.connect(transport);
const answer = tool
  ? await client.callTool({ name: tool, arguments: JSON.parse(args) })
  : await client.listTools();
console.log(JSON.stringify(answer, null, 2));
await client.close();
