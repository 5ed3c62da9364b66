import { createHmac } from 'node:crypto';
import { AppConfig, parseConfig } from '../config';
import { ApiKeyVerifier, Principal } from './principal';
import { STREAM_TOKEN_TTL_MS, StreamTokens } from './stream-tokens';

const PEPPER = 'unit-test-pepper-0123456789';

/** The verifier's view of keys: active ones by id; every lookup is counted. */
class FakeKeys implements ApiKeyVerifier {
  readonly active = new Map<number, Principal>();
  lookups = 0;

  add(keyId: number, userId: string, expiresAt?: number): void {
    this.active.set(keyId, {
      userId,
      via: 'key',
      keyId,
      scopes: ['read'],
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
  }

  verify(): Promise<Principal | null> {
    return Promise.resolve(null);
  }

  activeKey(keyId: number): Promise<Principal | null> {
    this.lookups += 1;
    return Promise.resolve(this.active.get(keyId) ?? null);
  }

  isKeyFormat(): boolean {
    return false;
  }
}

const tokensWith = (pepper: string, keys = new FakeKeys()) =>
  new StreamTokens(new AppConfig(parseConfig({ API_KEY_PEPPER: pepper })), keys);

/** A token as the release before issued it: `st1`, no key, signed under the v1 key. */
function legacyToken(claims: object, pepper = PEPPER): string {
  const signingKey = createHmac('sha256', pepper).update('rpa:stream-token:v1').digest();
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `st1.${body}.${createHmac('sha256', signingKey).update(body).digest('base64url')}`;
}

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

describe(StreamTokens.name, () => {
  const now = 1_800_000_000_000;
  let keys: FakeKeys;
  let sut: StreamTokens;

  beforeEach(() => {
    keys = new FakeKeys();
    keys.add(7, 'alice');
    sut = tokensWith(PEPPER, keys);
  });

  it('should issue st2 tokens that name the minting key', () => {
    const { token, expiresAt } = sut.issue({ userId: 'alice', keyId: 7 }, 'exec-1', now);
    expect(token.startsWith('st2.')).toBe(true);
    expect(claimsOf(token)).toEqual({
      u: 'alice',
      e: 'exec-1',
      x: now + STREAM_TOKEN_TTL_MS,
      k: 7,
    });
    expect(expiresAt.getTime()).toBe(now + STREAM_TOKEN_TTL_MS);
  });

  it('should give back the owner, tied to the minting key, for the execution it was issued for', async () => {
    const { token } = sut.issue({ userId: 'alice', keyId: 7 }, 'exec-1', now);
    await expect(sut.verify(token, 'exec-1', now + 1000)).resolves.toEqual({
      userId: 'alice',
      via: 'stream',
      keyId: 7,
      scopes: ['read'],
    });
  });

  it('should carry the expiry of the minting key, so that the stream ends with the key', async () => {
    keys.add(8, 'alice', now + 5000);
    const { token } = sut.issue({ userId: 'alice', keyId: 8 }, 'exec-1', now);
    await expect(sut.verify(token, 'exec-1', now)).resolves.toMatchObject({
      keyId: 8,
      expiresAt: now + 5000,
    });
  });

  it('should refuse the token once its key is revoked', async () => {
    const { token } = sut.issue({ userId: 'alice', keyId: 7 }, 'exec-1', now);
    keys.active.delete(7);
    await expect(sut.verify(token, 'exec-1', now)).resolves.toBeNull();
  });

  it('should refuse the token when its key now answers for another user', async () => {
    const { token } = sut.issue({ userId: 'alice', keyId: 7 }, 'exec-1', now);
    keys.add(7, 'mallory');
    await expect(sut.verify(token, 'exec-1', now)).resolves.toBeNull();
  });

  it('should issue and accept a token without a key for the trusted user header', async () => {
    const { token } = sut.issue({ userId: 'alice' }, 'exec-1', now);
    expect(claimsOf(token)).not.toHaveProperty('k');
    await expect(sut.verify(token, 'exec-1', now)).resolves.toEqual({
      userId: 'alice',
      via: 'stream',
      scopes: ['read'],
    });
    expect(keys.lookups).toBe(0);
  });

  it('should still accept an st1 token of the release before, until it expires', async () => {
    const token = legacyToken({ u: 'alice', e: 'exec-1', x: now + STREAM_TOKEN_TTL_MS });
    await expect(sut.verify(token, 'exec-1', now)).resolves.toEqual({
      userId: 'alice',
      via: 'stream',
      scopes: ['read'],
    });
    await expect(sut.verify(token, 'exec-1', now + STREAM_TOKEN_TTL_MS)).resolves.toBeNull();
    await expect(sut.verify(token, 'exec-2', now)).resolves.toBeNull();
  });

  it('should refuse an st2 token relabelled st1 to shed its key', async () => {
    const { token } = sut.issue({ userId: 'alice', keyId: 7 }, 'exec-1', now);
    keys.active.delete(7);
    await expect(sut.verify(token.replace(/^st2\./, 'st1.'), 'exec-1', now)).resolves.toBeNull();
  });

  it('should refuse an st1 token relabelled st2', async () => {
    const token = legacyToken({ u: 'alice', e: 'exec-1', x: now + STREAM_TOKEN_TTL_MS });
    await expect(sut.verify(token.replace(/^st1\./, 'st2.'), 'exec-1', now)).resolves.toBeNull();
  });

  it('should refuse the token for another execution', async () => {
    const { token } = sut.issue({ userId: 'alice', keyId: 7 }, 'exec-1', now);
    await expect(sut.verify(token, 'exec-2', now)).resolves.toBeNull();
  });

  it('should refuse an expired token without asking for its key', async () => {
    const { token } = sut.issue({ userId: 'alice', keyId: 7 }, 'exec-1', now);
    await expect(sut.verify(token, 'exec-1', now + STREAM_TOKEN_TTL_MS)).resolves.toBeNull();
    expect(keys.lookups).toBe(0);
  });

  it('should refuse a token signed by another deployment without asking for its key', async () => {
    const other = tokensWith('another-pepper-0123456789', keys);
    const { token } = other.issue({ userId: 'alice', keyId: 7 }, 'exec-1', now);
    await expect(sut.verify(token, 'exec-1', now)).resolves.toBeNull();
    await expect(
      sut.verify(
        legacyToken({ u: 'alice', e: 'exec-1', x: now + 1e9 }, 'another-pepper-0123456789'),
        'exec-1',
        now,
      ),
    ).resolves.toBeNull();
    expect(keys.lookups).toBe(0);
  });

  it('should refuse claims changed after signing', async () => {
    const { token } = sut.issue({ userId: 'alice', keyId: 7 }, 'exec-1', now);
    const [prefix, , signature] = token.split('.');
    for (const claims of [
      { u: 'mallory', e: 'exec-1', x: now + 1e9, k: 7 },
      { u: 'alice', e: 'exec-1', x: now + 1e9 },
    ]) {
      const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
      await expect(
        sut.verify(`${prefix}.${forged}.${signature}`, 'exec-1', now),
      ).resolves.toBeNull();
    }
    expect(keys.lookups).toBe(0);
  });

  it.each(['', 'st1', 'st2', 'st2..', 'st2.a.b.c', 'st1.a.b.c', 'rpa_notatoken', 'st2.!!!.???'])(
    'should refuse the malformed token %j',
    async (token) => {
      await expect(sut.verify(token, 'exec-1', now)).resolves.toBeNull();
    },
  );
});
