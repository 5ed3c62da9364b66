import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const API_MAIN = join(process.cwd(), 'dist/apps/api/main.js');
const ROBOT_SIM_MAIN = join(process.cwd(), 'dist/apps/robot-sim/main.js');

export interface ServiceProcess {
  readonly pid: number;
  readonly url: string;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string | null>;
  /** kill -9: no shutdown hooks, locks stay behind, as in a crash. */
  crash(): Promise<void>;
  /** Graceful stop (SIGTERM), then SIGKILL if it does not exit in time. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test file that fails or times out must not leave processes behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A TCP port free at the time of asking. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** An api process (any APP_ROLE). */
export type ApiProcess = ServiceProcess;

/**
 * Spawns the built service (`node dist/apps/api/main.js`, so `npm run build` first) with the
 * given environment (typically testEnv(...) plus APP_ROLE) and waits until /health answers.
 */
export function spawnApi(
  env: Record<string, string>,
  options: { readyTimeoutMs?: number } = {},
): Promise<ApiProcess> {
  return spawnService(API_MAIN, env, options.readyTimeoutMs);
}

/** Spawns the built robot simulator (`node dist/apps/robot-sim/main.js`) on a free port. */
export function spawnRobotSim(env: Record<string, string> = {}): Promise<ServiceProcess> {
  return spawnService(ROBOT_SIM_MAIN, env);
}

async function spawnService(
  main: string,
  env: Record<string, string>,
  readyTimeoutMs = 60_000,
): Promise<ServiceProcess> {
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal);
    }),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (hasExited) throw new Error(`${main} exited during start-up:\n${output}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${main} did not become healthy in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const killWith = async (signal: NodeJS.Signals, graceMs: number) => {
    if (hasExited) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    pid: child.pid as number,
    url,
    output: () => output,
    exited,
    crash: () => killWith('SIGKILL', 0),
    stop: () => killWith('SIGTERM', 10_000),
  };
}
