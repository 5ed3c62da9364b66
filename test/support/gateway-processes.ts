import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { until } from './gateway';

/** The built service as a child process (`node dist/apps/api/main.js`), for multi-process tests. */
export interface AppProcess {
  role: string;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node dist/apps/api/main.js` with `env` (a testEnv) in `role` and waits until it
 * answers /health. Only PATH is inherited from the test process.
 */
export async function startAppProcess(
  env: Record<string, string>,
  role: 'all' | 'api' | 'worker',
  extra: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, 'dist/apps/api/main.js'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', ...env, APP_ROLE: role, PORT: String(port), ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => children.delete(child));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const state = await until(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) return 'exited';
        return (await fetch(`${url}/health`)).ok && 'ready';
      },
      `the ${role} process on port ${port}`,
      90_000,
    );
    if (state === 'exited') throw new Error(`The ${role} process exited during start-up`);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`, { cause: err });
  }
  return { role, url, output: () => output, stop };
}
