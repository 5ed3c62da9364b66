import { startRequestHash } from './start-request-hash';

describe(startRequestHash.name, () => {
  const base = { userId: 'alice', project_id: 'p1', trigger: 'api' as const };

  it('should hash equal requests equally, whatever the key order, route or defaults', () => {
    const sut = startRequestHash({ ...base, params: { a: 1, b: { c: 2, d: 3 } } });

    expect(
      startRequestHash({
        ...base,
        trigger: 'mcp',
        requestId: 'r9',
        params: { b: { d: 3, c: 2 }, a: 1 },
        exec_position: 'EXECUTOR',
        priority: 5,
      }),
    ).toBe(sut);
  });

  it.each([
    ['another workflow', { project_id: 'p2' }],
    ['other params', { params: { a: 2 } }],
    ['another priority', { priority: 1 }],
    ['another timeout', { timeout_ms: 1000 }],
    ['a reference', { reference: 'r' }],
  ])('should tell %s apart', (_, patch) => {
    expect(startRequestHash({ ...base, params: { a: 1 }, ...patch })).not.toBe(
      startRequestHash({ ...base, params: { a: 1 } }),
    );
  });
});
