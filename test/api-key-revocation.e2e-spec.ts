import { TestApp, startTestApp } from './support/app';
import { expectError } from './support/envelope';
import { createKeyWithId } from './support/fixtures';
import { waitFor } from './support/wait';

const ALICE = { 'X-User-Id': 'alice' };

/**
 * Two instances of one deployment (same database, same Redis prefix). Keys are cached for
 * ten minutes, so only the Redis broadcast can make B forget a key revoked on A.
 */
describe('API key revocation across instances (e2e)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ API_KEY_CACHE_TTL_MS: '600000' });
    b = await startTestApp({}, { shareEnvOf: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const createKey = (on: TestApp) => createKeyWithId(on.http, 'alice', { name: 'shared' });

  const useKey = (on: TestApp, key: string) =>
    on.http.get('/v1/workflows').set('Authorization', `Bearer ${key}`);

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
});
