import Redis from 'ioredis';
import { dropTestResources } from './support/cleanup';
import { testEnv } from './support/env';
import {
  createKey,
  createKeyWithId,
  revokeKey,
  startRun,
  upsertWorkflow,
} from './support/fixtures';
import { LiveClient, expectOrderedRun } from './support/live-events';
import { NodeProcess, spawnApi } from './support/process';
import { waitFor } from './support/wait';

/**
 * docs/operating.md, docs/live-events.md with real processes of the built service: two api processes and one worker
 * sharing one database and one Redis prefix.
 */
describe('Live events across processes (e2e, built service)', () => {
  const env = testEnv();
  const processes: NodeProcess[] = [];
  let apiA: NodeProcess;
  let apiB: NodeProcess;
  let worker: NodeProcess;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    // The first process creates the schema; the others then start against it.
    apiA = await spawnApi(env, { role: 'api' });
    processes.push(apiA);
    [apiB, worker] = await Promise.all([
      spawnApi(env, { role: 'api' }),
      spawnApi(env, { role: 'worker' }),
    ]);
    processes.push(apiB, worker);
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(processes.map((p) => p.stop()));
    await dropTestResources(env);
  });

  it('should deliver to a socket on api B the events of an execution started through api A', async () => {
    await upsertWorkflow(apiA.url, 'carol', 'wf-carol');
    const key = await createKey(apiA.url, 'carol');
    const client = await LiveClient.connect(apiB.url, { token: key });
    clients.push(client);
    expect(await client.request('subscribe', { project_id: 'wf-carol' })).toEqual({ ok: true });

    const run = { delay_ms: 900, progress_steps: 4, log_lines: 3 };
    const id = await startRun(apiA.url, key, 'wf-carol', { n: 1, __sim: run });
    expect(await client.request('subscribe', { execution_id: id })).toEqual({ ok: true });
    const events = await client.untilFinal(id, 30_000);
    expectOrderedRun(events, run.log_lines);
  });

  it('should disconnect on api B the sockets of a key revoked through api A', async () => {
    const doomed = await createKeyWithId(apiA.url, 'dave');
    const client = await LiveClient.connect(apiB.url, { token: doomed.key });
    clients.push(client);

    const revokedAt = Date.now();
    await revokeKey(apiA.url, 'dave', doomed.id);
    await waitFor(() => client.disconnectedAt, {
      what: 'the socket on api B to be disconnected',
      timeoutMs: 10_000,
    });
    console.info(
      `socket on api B disconnected ${client.disconnectedAt! - revokedAt} ms after the revocation on api A`,
    );
    expect(client.disconnectedAt! - revokedAt).toBeLessThan(5_000);
    expect(client.disconnectReason).toBe('io server disconnect');
  });

  it('should serve Socket.IO only from api processes, with its Redis channels under REDIS_PREFIX', async () => {
    const polling = (url: string) => fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    expect((await polling(apiB.url)).status).toBe(200);
    expect((await polling(worker.url)).status).toBe(404);

    const redis = new Redis(env.REDIS_URL);
    try {
      const patterns = (await redis.call(
        'PUBSUB',
        'CHANNELS',
        `${env.REDIS_PREFIX}:socket.io*`,
      )) as string[];
      expect(patterns.length).toBeGreaterThan(0);
      const foreign = (await redis.call('PUBSUB', 'CHANNELS', 'socket.io*')) as string[];
      expect(foreign).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('should serve the dashboard and the socket.io client script from the build', async () => {
    const page = await fetch(`${apiB.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/socket.io/socket.io.min.js');
    for (const asset of [
      '/dashboard/dashboard.js',
      '/dashboard/dashboard.css',
      '/socket.io/socket.io.min.js',
    ]) {
      expect((await fetch(`${apiB.url}${asset}`)).status, asset).toBe(200);
    }
  });
});
