import { io } from 'socket.io-client';
import { TestApp, startTestApp } from './support/app';
import {
  bearer,
  createKey,
  createKeyWithId,
  revokeKey,
  startRun,
  upsertWorkflow,
} from './support/fixtures';
import { LiveClient } from './support/live-events';
import { SseReader, openSse } from './support/sse';

const SSE_CAP = 2;
const SOCKET_CAP = 2;

/**
 * Streams are bounded and follow their key: per-key caps on SSE streams and sockets, SSE
 * streams end on revocation and expiry, the main Socket.IO namespace refuses every socket,
 * and a resumed stream of an ended run closes.
 */
describe('Stream limits (e2e)', () => {
  let sut: TestApp;
  const readers: SseReader[] = [];
  const sockets: LiveClient[] = [];

  beforeAll(async () => {
    sut = await startTestApp({
      // Runs stay RUNNING: their streams stay open until the test ends them.
      SIM_DELAY_MS: '600000',
      SSE_MAX_STREAMS_PER_KEY: String(SSE_CAP),
      SOCKET_MAX_PER_KEY: String(SOCKET_CAP),
    });
    await upsertWorkflow(sut.http, 'sia', 'p-streams');
  });
  afterAll(async () => {
    for (const reader of readers) reader.disconnect();
    for (const socket of sockets) socket.close();
    await sut?.close();
  });

  const events = async (key: string, id: string, headers: Record<string, string> = {}) => {
    const reader = await openSse(`${sut.url}/v1/executions/${id}/events`, {
      headers: { ...bearer(key), ...headers },
    });
    readers.push(reader);
    return reader;
  };
  const snapshotSeen = (reader: SseReader) =>
    reader.waitFor((r) => r.events.some((e) => e.event === 'snapshot'), 'the snapshot');

  it('should refuse an SSE stream over the per-key cap with 429, and admit one once another ends', async () => {
    const key = await createKey(sut.http, 'sia');
    const id = await startRun(sut.http, key, 'p-streams');
    const open = [await events(key, id), await events(key, id)];
    for (const reader of open) await snapshotSeen(reader);

    const refused = await events(key, id);
    expect(refused.status).toBe(429);
    await refused.ended;
    expect(JSON.parse(refused.events[0].data)).toMatchObject({ error: 'RATE_LIMITED' });
    // /rpa/v1/exec streams count too.
    const rpa = await openSse(`${sut.url}/rpa/v1/exec`, {
      method: 'POST',
      headers: bearer(key),
      body: { project_id: 'p-streams' },
    });
    expect(rpa.status).toBe(429);
    // Another key of the same user has its own cap.
    const other = await events(await createKey(sut.http, 'sia'), id);
    expect(other.status).toBe(200);

    open[0].disconnect();
    await open[0].ended;
    const admitted = await waitForStatus(() => events(key, id), 200);
    await snapshotSeen(admitted);
  });

  it('should end an open SSE stream when its key is revoked', async () => {
    const { key, id: keyId } = await createKeyWithId(sut.http, 'sia');
    const run = await startRun(sut.http, key, 'p-streams');
    const reader = await events(key, run);
    await snapshotSeen(reader);

    const revokedAt = Date.now();
    await revokeKey(sut.http, 'sia', keyId);
    await withinMs(reader.ended, 5000, 'the stream to end after the revocation');
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    expect(reader.events.at(-1)).toMatchObject({ event: 'error' });
    expect(JSON.parse(reader.events.at(-1)!.data)).toMatchObject({ error: 'UNAUTHENTICATED' });
  });

  it('should end an open SSE stream when its key expires', async () => {
    const maker = await createKey(sut.http, 'sia');
    const run = await startRun(sut.http, maker, 'p-streams');
    const expiresAt = Date.now() + 2500;
    const key = await createKey(sut.http, 'sia', { expires_at: new Date(expiresAt).toISOString() });
    const reader = await events(key, run);
    await snapshotSeen(reader);

    await withinMs(reader.ended, 8000, 'the stream to end at the expiry');
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 50);
    expect(Date.now() - expiresAt).toBeLessThan(3000);
    expect(JSON.parse(reader.events.at(-1)!.data)).toMatchObject({ error: 'UNAUTHENTICATED' });
  });

  it('should close a stream resumed with a Last-Event-ID past the end of an ended run', async () => {
    const key = await createKey(sut.http, 'sia');
    const run = await startRun(sut.http, key, 'p-streams');
    await sut.http.post(`/v1/executions/${run}/cancel`).set(bearer(key)).expect(200);

    // The case: an id beyond every stored event never saw a final event and hung.
    const reader = await events(key, run, { 'Last-Event-ID': '99999999999999-0' });
    await withinMs(reader.ended, 5000, 'the resumed stream to close');
    const last = reader.events.at(-1)!;
    expect(last.event).toBe('snapshot');
    expect(JSON.parse(last.data)).toMatchObject({ execution: { id: run, status: 'CANCELLED' } });
  });

  it('should refuse a socket over the per-key cap', async () => {
    const key = await createKey(sut.http, 'sia');
    for (let i = 0; i < SOCKET_CAP; i++)
      sockets.push(await LiveClient.connect(sut.url, { token: key }));
    const refused = await LiveClient.refusal(sut.url, { token: key });
    expect(refused.data).toMatchObject({ error: 'RATE_LIMITED' });
    // Header-authenticated users are capped the same way.
    for (let i = 0; i < SOCKET_CAP; i++) {
      sockets.push(await LiveClient.connect(sut.url, { userId: 'sia' }));
    }
    expect((await LiveClient.refusal(sut.url, { userId: 'sia' })).data).toMatchObject({
      error: 'RATE_LIMITED',
    });
    // A socket that leaves frees its place.
    sockets.shift()!.close();
    sockets.push(await waitForSocket(() => LiveClient.connect(sut.url, { token: key })));
  });

  it('should refuse every socket on the main namespace, unauthenticated ones as such', async () => {
    const refusal = async (auth: Record<string, string>) => {
      const socket = io(sut.url, {
        path: '/socket.io',
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth,
      });
      try {
        return await new Promise<Error & { data?: { error: string } }>((resolve, reject) => {
          socket.once('connect', () => reject(new Error('the main namespace accepted a socket')));
          socket.once('connect_error', resolve);
        });
      } finally {
        socket.close();
      }
    };
    expect((await refusal({})).data).toMatchObject({ error: 'UNAUTHENTICATED' });
    expect((await refusal({ token: 'rpa_nonsense' })).data).toMatchObject({
      error: 'UNAUTHENTICATED',
    });
    const key = await createKey(sut.http, 'sia');
    expect((await refusal({ token: key })).data).toMatchObject({ error: 'NOT_FOUND' });
  });
});

async function withinMs(promise: Promise<unknown>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A freed place is seen once the server has processed the close: retry a few times. */
async function waitForStatus(open: () => Promise<SseReader>, status: number): Promise<SseReader> {
  for (let i = 0; ; i++) {
    const reader = await open();
    if (reader.status === status || i >= 50) return reader;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForSocket(connect: () => Promise<LiveClient>): Promise<LiveClient> {
  for (let i = 0; ; i++) {
    try {
      return await connect();
    } catch (err) {
      if (i >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
