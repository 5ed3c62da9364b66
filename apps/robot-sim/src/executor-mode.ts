import { ExecutorSimBehaviour, ExecutorSimulator } from '@app/robot-sim';

type Env = Record<string, string | undefined>;

function integer(env: Env, key: string, def: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return def;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${key} must be an integer of at least ${min} (got "${raw}")`);
  }
  return value;
}

function flag(env: Env, key: string): boolean {
  return ['true', '1', 'yes', 'on'].includes((env[key] ?? '').trim().toLowerCase());
}

/**
 * Executor mode: SIM_EXECUTOR_CONNECTIONS (1) simulated executors connect to
 * SIM_EXECUTOR_URL (ws://host:port/ws) with SIM_EXECUTOR_KEY (an API key with the execute
 * scope) or SIM_EXECUTOR_USER_ID (trusted header), and answer runs after SIM_DELAY_MS. Knobs
 * for every run: SIM_FAIL (true or a message), SIM_NO_REPLY, SIM_DISCONNECT (drop the
 * connection mid-run, reconnect, then reply), SIM_BUSY, SIM_STRING_DATA; a run's `__sim`
 * variable overrides them. `--managed` (or SIM_MANAGED=true): the managed protocol of newer
 * engines (capabilities, start/get/cancel, receipts) with the same knobs. Prints one line per event (connected, run, reply, stop, closed).
 */
export async function runExecutors(env: Env): Promise<void> {
  const url = env.SIM_EXECUTOR_URL;
  if (!url) throw new Error('SIM_EXECUTOR_URL (ws://host:port/ws) is required in executor mode');
  if (!env.SIM_EXECUTOR_KEY && !env.SIM_EXECUTOR_USER_ID) {
    throw new Error('Set SIM_EXECUTOR_KEY (an API key) or SIM_EXECUTOR_USER_ID');
  }
  const fail = env.SIM_FAIL?.trim();
  const behaviour: Partial<ExecutorSimBehaviour> = {
    delay_ms: integer(env, 'SIM_DELAY_MS', 1000),
    fail: !fail || fail === 'false' ? false : fail === 'true' ? true : fail,
    no_reply: flag(env, 'SIM_NO_REPLY'),
    disconnect: flag(env, 'SIM_DISCONNECT'),
    busy: flag(env, 'SIM_BUSY'),
    string_data: flag(env, 'SIM_STRING_DATA'),
  };
  const count = integer(env, 'SIM_EXECUTOR_CONNECTIONS', 1, 1);
  const quiet = flag(env, 'SIM_QUIET');
  const managed = process.argv.includes('--managed') || flag(env, 'SIM_MANAGED');
  const executors = Array.from(
    { length: count },
    (_, i) =>
      new ExecutorSimulator({
        url,
        key: env.SIM_EXECUTOR_KEY,
        userId: env.SIM_EXECUTOR_USER_ID,
        behaviour,
        pingMs: integer(env, 'SIM_PING_MS', 30_000, 1),
        reconnectMs: integer(env, 'SIM_RECONNECT_MS', 1000),
        // Each simulated engine is its own client.
        managedClientId: managed ? `sim-client-${process.pid}-${i}` : undefined,
        log: quiet ? undefined : (line) => process.stdout.write(`executor ${i} ${line}\n`),
      }),
  );
  await Promise.all(executors.map((e) => e.start()));
  process.stdout.write(`${count} executor(s) connected to ${url}\n`);
  const stop = () => {
    for (const e of executors) e.stop();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
