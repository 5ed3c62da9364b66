import { RevokedKeys } from './revoked-keys';

describe(RevokedKeys.name, () => {
  let now = 0;
  const sut = () => new RevokedKeys(1_000, () => now);

  beforeEach(() => {
    now = 10_000;
  });

  it('should remember revoked key ids for its time to live', () => {
    const keys = sut();
    keys.add([1, 2]);
    expect(keys.has(1)).toBe(true);
    expect(keys.has(2)).toBe(true);
    expect(keys.has(3)).toBe(false);
    now += 999;
    expect(keys.has(1)).toBe(true);
    now += 1;
    expect(keys.has(1)).toBe(false);
  });

  it('should answer false for sockets without a key', () => {
    const keys = sut();
    keys.add([1]);
    expect(keys.has(undefined)).toBe(false);
  });

  it('should forget expired ids when new ones arrive', () => {
    const keys = sut();
    keys.add([1]);
    now += 5_000;
    keys.add([2]);
    expect((keys as unknown as { until: Map<number, number> }).until.size).toBe(1);
  });
});
