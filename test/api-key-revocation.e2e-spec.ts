import { TestApp, startTestApp } from './support/app';
import { expectError } from './support/envelope';
import { bearer, createKeyWithId, startRun, upsertWorkflow } from './support/fixtures';
import { SseReader, openSse } from './support/sse';
import { waitFor } from './support/wait';

const ALICE = { 'X-User-Id': 'alice' };
const PROJECT = 'revoked-streams';
/** Runs that stay RUNNING, so that their streams stay open until the key is revoked. */
const LONG_RUN = { __sim: { delay_ms: 600_000 } };

/**
 * Two instances of one deployment (same database, same Redis prefix). Keys are cached for
 * ten minutes, so only the Redis broadcast can make B forget a key revoked on A.
 */
describe('API key revocation across instances (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  const readers: SseReader[] = [];

  beforeAll(async () => {
    a = await startTestApp({ API_KEY_CACHE_TTL_MS: '600000' });
    b = await startTestApp({}, { shareEnvOf: a });
    await upsertWorkflow(a.http, 'alice', PROJECT);
  });
  afterAll(async () => {
    for (const reader of readers) reader.disconnect();
    await b?.close();
    await a?.close();
  });

  const createKey = (on: TestApp) => createKeyWithId(on.http, 'alice', { name: 'shared' });

  const useKey = (on: TestApp, key: string) =>
    on.http.get('/v1/workflows').set('Authorization', `Bearer ${key}`);

  const streamToken = async (on: TestApp, key: string, run: string): Promise<string> => {
    const res = await on.http.post(`/v1/executions/${run}/stream-token`).set(bearer(key));
    expect(res.status).toBe(201);
    return res.body.data.stream_token as string;
  };

  const events = async (on: TestApp, run: string, auth: { token: string } | { key: string }) => {
    const reader = await openSse(
      'token' in auth
        ? `${on.url}/v1/executions/${run}/events?stream_token=${encodeURIComponent(auth.token)}`
        : `${on.url}/v1/executions/${run}/events`,
      { headers: 'key' in auth ? bearer(auth.key) : {} },
    );
    readers.push(reader);
    return reader;
  };

  /** Status of opening the stream with `token`; an opened stream is closed at once. */
  const tokenStatus = async (on: TestApp, run: string, token: string): Promise<number> => {
    const reader = await events(on, run, { token });
    reader.disconnect();
    return reader.status;
  };

  const snapshotSeen = (reader: SseReader) =>
    reader.waitFor((r) => r.events.some((e) => e.event === 'snapshot'), 'the snapshot');

  it('should run both instances on one database and Redis prefix', () => {
    expect(b.env.DATABASE_URL).toBe(a.env.DATABASE_URL);
    expect(b.env.REDIS_PREFIX).toBe(a.env.REDIS_PREFIX);
    expect(b.url).not.toBe(a.url);
  });

  it('should accept on B a key created on A', async () => {
    const { key } = await createKey(a);

    await useKey(b, key).expect(200);
  });

  it('should make B refuse, within 1 s, a key it has cached and A revoked', async () => {
    const { id, key } = await createKey(a);
    await useKey(b, key).expect(200);
    await useKey(a, key).expect(200);
    // Proof that B answers from its cache: deactivated behind its back, the key still works.
    await a.db.query('UPDATE api_keys SET is_active = 0 WHERE id = ?', [id]);
    await useKey(b, key).expect(200);
    await a.db.query('UPDATE api_keys SET is_active = 1 WHERE id = ?', [id]);

    await a.http.delete(`/v1/api-keys/${id}`).set(ALICE).expect(200);

    expectError(await useKey(a, key), 401, 'UNAUTHENTICATED');
    const refused = await waitFor(async () => (await useKey(b, key)).status === 401, {
      timeoutMs: 1000,
      intervalMs: 20,
      what: 'instance B to refuse the revoked key',
    });
    expect(refused).toBe(true);
    expectError(await useKey(b, key), 401, 'UNAUTHENTICATED');
  });

  it('should make A refuse a key revoked on B through the legacy route', async () => {
    const { id, key } = await createKey(b);
    await useKey(a, key).expect(200);

    await b.http.post('/api-keys/remove').set(ALICE).send({ id }).expect(200);

    await waitFor(async () => (await useKey(a, key)).status === 401, {
      timeoutMs: 1000,
      intervalMs: 20,
      what: 'instance A to refuse the revoked key',
    });
  });

  it('should keep the other keys of the user working on both instances', async () => {
    const revoked = await createKey(a);
    const kept = await createKey(a);
    await useKey(b, revoked.key).expect(200);
    await useKey(b, kept.key).expect(200);

    await a.http.delete(`/v1/api-keys/${revoked.id}`).set(ALICE).expect(200);
    await waitFor(async () => (await useKey(b, revoked.key)).status === 401, {
      timeoutMs: 1000,
      what: 'instance B to refuse the revoked key',
    });

    await useKey(a, kept.key).expect(200);
    await useKey(b, kept.key).expect(200);
  });

  it('should refuse on both instances a stream token whose key A revoked after minting it', async () => {
    const { id, key } = await createKey(a);
    const run = await startRun(a.http, key, PROJECT, LONG_RUN);
    const token = await streamToken(a, key, run);
    expect(await tokenStatus(b, run, token)).toBe(200);
    // Proof that B checks the token's key from its cache, with no database round trip.
    await a.db.query('UPDATE api_keys SET is_active = 0 WHERE id = ?', [id]);
    expect(await tokenStatus(b, run, token)).toBe(200);
    await a.db.query('UPDATE api_keys SET is_active = 1 WHERE id = ?', [id]);

    await a.http.delete(`/v1/api-keys/${id}`).set(ALICE).expect(200);

    expect(await tokenStatus(a, run, token)).toBe(401);
    await waitFor(async () => (await tokenStatus(b, run, token)) === 401, {
      timeoutMs: 1000,
      intervalMs: 20,
      what: 'instance B to refuse the token of the revoked key',
    });
    // The same answer as a token that never was one: the remedy (a new token) is the same.
    const revoked = await b.http.get(`/v1/executions/${run}/events`).query({ stream_token: token });
    const forged = await b.http
      .get(`/v1/executions/${run}/events`)
      .query({ stream_token: `${token.slice(0, -4)}AAAA` });
    expectError(revoked, 401, 'UNAUTHENTICATED');
    expect(revoked.body.msg).toBe(forged.body.msg);
    expect(revoked.status).toBe(forged.status);
  });

  it('should end the streams opened with a token on both instances when A revokes its key, as it ends those opened with the key', async () => {
    const { id, key } = await createKey(a);
    const other = await createKey(a);
    const run = await startRun(a.http, key, PROJECT, LONG_RUN);
    const token = await streamToken(b, key, run);
    const byToken = [await events(a, run, { token }), await events(b, run, { token })];
    const byKey = await events(b, run, { key });
    const kept = await events(b, run, { token: await streamToken(a, other.key, run) });
    for (const reader of [...byToken, byKey, kept]) await snapshotSeen(reader);

    await a.http.delete(`/v1/api-keys/${id}`).set(ALICE).expect(200);

    const ended = (reader: SseReader) =>
      reader.waitFor((r) => r.events.at(-1)?.event === 'error', 'the error event', 5000);
    for (const reader of [...byToken, byKey]) {
      await ended(reader);
      await reader.ended;
    }
    const closing = byKey.events.at(-1)!;
    expect(JSON.parse(closing.data)).toMatchObject({ error: 'UNAUTHENTICATED' });
    for (const reader of byToken) expect(reader.events.at(-1)).toEqual(closing);
    // A token of another key of the same user keeps its stream.
    expect(kept.events.some((e) => e.event === 'error')).toBe(false);
  });
});
