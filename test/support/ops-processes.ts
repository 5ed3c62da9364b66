import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Built apps as child processes (the operations tests need real signals and several
 * processes sharing MySQL and Redis). `npm test` builds dist/ first.
 */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the exit was seen (epoch ms). */
  at: number;
}

export interface ChildApp {
  name: string;
  url: string;
  port: number;
  proc: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Sends a signal (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Tests run from the repository root (vitest.config.mts). */
const ROOT = process.cwd();

/** A port free right now (the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor(
  check: () => Promise<boolean>,
  deadlineMs: number,
  what: string,
  child: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not come up within ${deadlineMs} ms`);
}

function spawnChild(
  name: string,
  script: string,
  env: Record<string, string>,
  port: number,
  healthPath: string,
): Promise<ChildApp> {
  const proc = spawn(process.execPath, [join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => proc.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const url = `http://127.0.0.1:${port}`;
  const app: ChildApp = {
    name,
    url,
    port,
    proc,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  return waitFor(async () => (await fetch(`${url}${healthPath}`)).ok, 60_000, name, proc).then(
    () => app,
    async (err: Error) => {
      proc.kill('SIGKILL');
      throw new Error(`${err.message}\n${output.slice(-4000)}`);
    },
  );
}

/** `node dist/apps/api/main.js` with `env` (over .env.default), healthy on /health. */
export async function spawnApi(name: string, env: Record<string, string>): Promise<ChildApp> {
  return spawnChild(name, 'dist/apps/api/main.js', env, await freePort(), '/health');
}

/** `node dist/apps/robot-sim/main.js`: the robot service over HTTP (ROBOT_MODE=http). */
export async function spawnRobotSim(delayMs: number): Promise<ChildApp> {
  return spawnChild(
    'robot-sim',
    'dist/apps/robot-sim/main.js',
    { SIM_DELAY_MS: String(delayMs) },
    await freePort(),
    '/health',
  );
}

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen within ${ms} ms${last ? `: ${String(last)}` : ''}`);
}

export interface SimTask {
  task_id: string;
  project_id: string;
  params: Record<string, unknown>;
  status: string;
}

/** Every task the robot simulator was asked to create (GET /sim/tasks). */
export async function simTasks(sim: ChildApp): Promise<SimTask[]> {
  const body = (await (await fetch(`${sim.url}/sim/tasks`)).json()) as {
    data: { tasks: SimTask[] };
  };
  return body.data.tasks;
}
