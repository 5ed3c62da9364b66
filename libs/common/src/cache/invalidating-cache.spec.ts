import { InvalidatingCache } from './invalidating-cache';

interface KeyRecord {
  keyId: number;
  userId: string;
}

const record = (keyId: number): KeyRecord => ({ keyId, userId: `user-${keyId}` });

describe(InvalidatingCache.name, () => {
  const T0 = 1_000_000;
  let sut: InvalidatingCache<KeyRecord>;

  beforeEach(() => {
    sut = new InvalidatingCache<KeyRecord>(1000, 200, 3);
  });

  it('should answer undefined for a prefix it never saw', () => {
    expect(sut.get('rpa_unknown', T0)).toBeUndefined();
  });

  it('should keep a record for the TTL and forget it after', () => {
    sut.set('rpa_a', record(1), sut.currentGeneration, T0);

    expect(sut.get('rpa_a', T0 + 999)).toEqual(record(1));
    expect(sut.get('rpa_a', T0 + 1000)).toBeUndefined();
    expect(sut.get('rpa_a', T0 + 1)).toBeUndefined();
  });

  it('should remember an absent prefix (null) for the shorter negative TTL', () => {
    sut.set('rpa_missing', null, sut.currentGeneration, T0);

    expect(sut.get('rpa_missing', T0 + 199)).toBeNull();
    expect(sut.get('rpa_missing', T0 + 200)).toBeUndefined();
  });

  it('should cache nothing when the TTL is 0', () => {
    const noCache = new InvalidatingCache<KeyRecord>(0, 0);

    noCache.set('rpa_a', record(1), noCache.currentGeneration, T0);
    noCache.set('rpa_b', null, noCache.currentGeneration, T0);

    expect(noCache.get('rpa_a', T0)).toBeUndefined();
    expect(noCache.get('rpa_b', T0)).toBeUndefined();
  });

  it('should drop invalidated prefixes and keep the others', () => {
    const generation = sut.currentGeneration;
    sut.set('rpa_a', record(1), generation, T0);
    sut.set('rpa_b', record(2), generation, T0);

    sut.invalidate(['rpa_a']);

    expect(sut.get('rpa_a', T0)).toBeUndefined();
    expect(sut.get('rpa_b', T0)).toEqual(record(2));
  });

  it('should not re-cache a lookup that started before a revocation', () => {
    // A lookup reads the generation, then the database; the revocation lands in between.
    const generationAtLookup = sut.currentGeneration;
    sut.invalidate(['rpa_a']);

    sut.set('rpa_a', record(1), generationAtLookup, T0);

    expect(sut.get('rpa_a', T0)).toBeUndefined();
    sut.set('rpa_a', record(1), sut.currentGeneration, T0);
    expect(sut.get('rpa_a', T0)).toEqual(record(1));
  });

  it('should forget everything on clear and refuse lookups that raced with it', () => {
    const generationAtLookup = sut.currentGeneration;
    sut.set('rpa_a', record(1), generationAtLookup, T0);

    sut.clear();
    sut.set('rpa_b', record(2), generationAtLookup, T0);

    expect(sut.get('rpa_a', T0)).toBeUndefined();
    expect(sut.get('rpa_b', T0)).toBeUndefined();
  });

  it('should hold at most maxEntries, dropping the oldest first', () => {
    for (const [i, prefix] of ['rpa_1', 'rpa_2', 'rpa_3', 'rpa_4'].entries()) {
      sut.set(prefix, record(i + 1), sut.currentGeneration, T0);
    }

    expect(sut.get('rpa_1', T0)).toBeUndefined();
    expect(['rpa_2', 'rpa_3', 'rpa_4'].map((p) => sut.get(p, T0)?.keyId)).toEqual([2, 3, 4]);
  });

  it('should not evict another entry when refreshing one it holds', () => {
    for (const [i, prefix] of ['rpa_1', 'rpa_2', 'rpa_3'].entries()) {
      sut.set(prefix, record(i + 1), sut.currentGeneration, T0);
    }

    sut.set('rpa_2', record(2), sut.currentGeneration, T0 + 10);

    expect(['rpa_1', 'rpa_2', 'rpa_3'].map((p) => sut.get(p, T0 + 10)?.keyId)).toEqual([1, 2, 3]);
  });

  it('should treat a refreshed entry as the newest when evicting', () => {
    for (const [i, prefix] of ['rpa_1', 'rpa_2', 'rpa_3'].entries()) {
      sut.set(prefix, record(i + 1), sut.currentGeneration, T0);
    }
    sut.set('rpa_1', record(1), sut.currentGeneration, T0 + 10);

    sut.set('rpa_4', record(4), sut.currentGeneration, T0 + 20);

    expect(sut.get('rpa_2', T0 + 20)).toBeUndefined();
    expect(['rpa_1', 'rpa_3', 'rpa_4'].map((p) => sut.get(p, T0 + 20)?.keyId)).toEqual([1, 3, 4]);

    sut.set('rpa_3', record(3), sut.currentGeneration, T0 + 30);
    sut.set('rpa_5', record(5), sut.currentGeneration, T0 + 40);

    expect(sut.get('rpa_1', T0 + 40)).toBeUndefined();
    expect(['rpa_3', 'rpa_4', 'rpa_5'].map((p) => sut.get(p, T0 + 40)?.keyId)).toEqual([3, 4, 5]);
  });

  describe('getOrLoad', () => {
    it('should load a key once and answer later lookups from the cache', async () => {
      const load = vi.fn(async () => record(1));

      const first = await sut.getOrLoad('rpa_a', load);
      const second = await sut.getOrLoad('rpa_a', load);

      expect([first, second]).toEqual([record(1), record(1)]);
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('should remember that a key does not exist', async () => {
      const load = vi.fn(async () => null);

      await sut.getOrLoad('rpa_missing', load);
      const sutAnswer = await sut.getOrLoad('rpa_missing', load);

      expect(sutAnswer).toBeNull();
      expect(load).toHaveBeenCalledTimes(1);
    });

    it('should not keep what it loaded while the key was invalidated', async () => {
      const load = vi.fn(async () => {
        sut.invalidate(['rpa_a']);
        return record(1);
      });

      const answer = await sut.getOrLoad('rpa_a', load);

      expect(answer).toEqual(record(1));
      expect(sut.get('rpa_a')).toBeUndefined();
    });

    it('should cache a falsy value that is not null', async () => {
      const numbers = new InvalidatingCache<number>(1000, 0);

      await numbers.getOrLoad('zero', async () => 0);

      expect(numbers.get('zero')).toBe(0);
    });
  });
});
