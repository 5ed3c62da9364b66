import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait';

/**
 * Child processes of the end-to-end tests: the built api (any APP_ROLE), the built robot
 * simulator, a throw-away redis-server. `npm test` builds dist/ first.
 */

/** Repository root: vitest and the npm scripts run from it. */
export const ROOT = process.cwd();
export const API_MAIN = 'dist/apps/api/main.js';
export const ROBOT_SIM_MAIN = 'dist/apps/robot-sim/main.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the exit was seen (epoch ms). */
  at: number;
}

export interface ChildHandle {
  readonly child: ChildProcess;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** Set once the process has exited. */
  exit(): Exit | undefined;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr interleaved in arrival order: everything, never cut. */
  output(): string;
  /** Sends `signal`, escalates to SIGKILL after `graceMs`, resolves with the exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
  /** kill -9, as in a crash: no shutdown hooks run, locks stay behind. */
  crash(): Promise<Exit>;
}

export interface StartProcessOptions {
  /** How failure messages name the process; default: the command line. */
  name?: string;
  args?: string[];
  /** Default: the repository root. */
  cwd?: string;
  /** The child's whole environment besides PATH: the test process's is not inherited. */
  env?: Record<string, string>;
  /** Resolves true once the child serves; polled until startTimeoutMs. */
  ready?: (handle: ChildHandle) => Promise<boolean>;
  startTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
let appCwd: string | undefined;

function cleanUp(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  if (appCwd) rmSync(appCwd, { recursive: true, force: true });
  appCwd = undefined;
}

/**
 * A test file that crashes or forgets stop() must not leave servers behind. Vitest ends its
 * workers with SIGTERM, which skips 'exit' listeners: the signal is caught, then re-raised.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanUp);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Working directory for spawned apps: only the committed .env.default, so that a developer's
 * own .env or .env.local never changes a test's outcome.
 */
function isolatedAppCwd(): string {
  if (!appCwd) {
    appCwd = mkdtempSync(join(tmpdir(), 'rpa-app-'));
    copyFileSync(join(ROOT, '.env.default'), join(appCwd, '.env.default'));
  }
  return appCwd;
}

/** A TCP port nobody listens on right now (the child binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

const tail = (text: string, max = 4000): string =>
  text.length > max ? `…${text.slice(-max)}` : text;

/**
 * Starts `command`, collects its output and, when `ready` is given, waits until it answers
 * true. If the child exits or does not become ready in time it is killed and the error
 * carries the end of its output.
 */
export async function startProcess(
  command: string,
  options: StartProcessOptions = {},
): Promise<ChildHandle> {
  installExitHook();
  const name = options.name ?? `${command} ${options.args?.join(' ') ?? ''}`.trim();
  const child = spawn(command, options.args ?? [], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let all = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    all += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    all += chunk;
  });
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    const done = (value: Omit<Exit, 'at'>) => {
      exit ??= { ...value, at: Date.now() };
      running.delete(child);
      resolve(exit);
    };
    child.once('error', (err) => {
      all += `\n[spawn error] ${err.message}\n`;
      done({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => done({ code, signal }));
  });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) => {
    if (exit) return exit;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const handle: ChildHandle = {
    child,
    exited,
    exit: () => exit,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => all,
    stop,
    crash: () => stop('SIGKILL'),
  };
  const { ready } = options;
  if (!ready) return handle;

  let failure: string | undefined;
  try {
    const state = await waitFor(async () => (exit ? 'exited' : (await ready(handle)) && 'ready'), {
      what: `${name} to be ready`,
      timeoutMs: options.startTimeoutMs ?? 30_000,
      intervalMs: 100,
    });
    if (state === 'exited') failure = `it exited early (${JSON.stringify(exit)})`;
  } catch (err) {
    failure = (err as Error).message;
  }
  if (failure) {
    await handle.crash();
    throw new Error(`${name} did not start: ${failure}\n${tail(all)}`);
  }
  return handle;
}

export interface NodeProcess extends ChildHandle {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
}

export interface SpawnNodeOptions {
  /**
   * Script relative to the repository root, e.g. API_MAIN. It runs in a directory of its own
   * holding only .env.default (the layers it reads besides `env`).
   */
  script: string;
  /** The child's whole environment besides PATH and PORT. */
  env: Record<string, string>;
  /** How failure messages name the process; default: the script. */
  name?: string;
  args?: string[];
  /** PORT given to the child (a string is passed as is); a free one when omitted. */
  port?: number | string;
  /** Path polled until it answers 2xx; null to return at once. Default /health. */
  readyPath?: string | null;
  /** Default 90 s: migrations and a loaded machine make a start slow. */
  startTimeoutMs?: number;
}

/** Starts `node <script>` (a built app) on a port of its own and waits for it to serve. */
export async function spawnNode(options: SpawnNodeOptions): Promise<NodeProcess> {
  const script = join(ROOT, options.script);
  if (!existsSync(script)) {
    throw new Error(`${options.script} is missing: run "npm run build" first`);
  }
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const readyPath = options.readyPath === undefined ? '/health' : options.readyPath;
  const handle = await startProcess(process.execPath, {
    name: options.name ?? options.script,
    args: [script, ...(options.args ?? [])],
    cwd: isolatedAppCwd(),
    env: { ...options.env, PORT: String(port) },
    startTimeoutMs: options.startTimeoutMs ?? 90_000,
    ready:
      readyPath === null
        ? undefined
        : async () => (await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(5000) })).ok,
  });
  return { ...handle, port: Number(port), url };
}

export interface SpawnApiOptions extends Omit<SpawnNodeOptions, 'script' | 'env'> {
  /** APP_ROLE of the process; default: the one in `env`. */
  role?: 'all' | 'api' | 'worker';
}

/**
 * The built service (`node dist/apps/api/main.js`) with `env` (typically a testEnv or another
 * app's env) in `role`, serving /health.
 */
export function spawnApi(
  env: Record<string, string>,
  options: SpawnApiOptions = {},
): Promise<NodeProcess> {
  const { role, ...rest } = options;
  const appEnv = role ? { ...env, APP_ROLE: role } : env;
  return spawnNode({ name: `api (${appEnv.APP_ROLE})`, ...rest, script: API_MAIN, env: appEnv });
}

/** The built robot simulator (`node dist/apps/robot-sim/main.js`): the robot over HTTP. */
export function spawnRobotSim(env: Record<string, string> = {}): Promise<NodeProcess> {
  return spawnNode({ name: 'robot-sim', script: ROBOT_SIM_MAIN, env });
}

/** Runs `node <script>` to its end (killed after timeoutMs) and answers what it printed. */
export async function runNodeToExit(
  options: Omit<SpawnNodeOptions, 'readyPath' | 'startTimeoutMs'> & { timeoutMs?: number },
): Promise<Exit & { stdout: string; stderr: string; timedOut: boolean }> {
  const proc = await spawnNode({ ...options, readyPath: null });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.child.kill('SIGKILL');
  }, options.timeoutMs ?? 30_000);
  try {
    const exit = await proc.exited;
    return { ...exit, stdout: proc.stdout(), stderr: proc.stderr(), timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** A throw-away redis-server on `port` (no persistence), ready when it answers PING. */
export async function startRedisServer(port: number): Promise<ChildHandle> {
  return startProcess('redis-server', {
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      tmpdir(),
    ],
    ready: async (handle) => handle.stdout().includes('Ready to accept connections'),
    startTimeoutMs: 15_000,
  });
}
