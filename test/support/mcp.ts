import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** How an MCP client hands over its key (DESIGN §9). */
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

/** Polls `probe` until it answers something other than undefined/false, or fails. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

export interface BuiltApi {
  url: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the built service (`npm run build` first) and waits for /health. */
export async function spawnBuiltApi(env: Record<string, string>): Promise<BuiltApi> {
  const script = join(process.cwd(), 'dist/apps/api/main.js');
  if (!existsSync(script)) throw new Error('dist/apps/api/main.js is missing: run npm run build');
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`it exited: ${output.slice(-2000)}`);
        return (await fetch(`${url}/health`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 60_000, what: 'the built api to serve /health' },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, output: () => output, stop };
}
