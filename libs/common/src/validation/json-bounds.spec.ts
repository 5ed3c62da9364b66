import { jsonBoundsProblem } from './json-bounds';

describe(jsonBoundsProblem.name, () => {
  const limits = { maxDepth: 32, maxNodes: 100, maxString: 10 };

  it('should accept a document within every bound', () => {
    expect(jsonBoundsProblem({ a: [1, 'short', { b: null }] }, limits)).toBeNull();
  });

  it('should refuse 10,000 levels of nesting without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(jsonBoundsProblem(deep, limits)).toMatch(/deeper than 32/);
  });

  it('should refuse too many members, long strings and long keys', () => {
    const wide = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
    expect(jsonBoundsProblem(wide, limits)).toMatch(/more than 100/);
    expect(jsonBoundsProblem({ a: 'x'.repeat(11) }, limits)).toMatch(/string/);
    expect(jsonBoundsProblem({ ['k'.repeat(11)]: 1 }, limits)).toMatch(/key/);
  });
});
