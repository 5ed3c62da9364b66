import { startRequestHash } from './start-request-hash';

describe(startRequestHash.name, () => {
  const base = { userId: 'alice', projectId: 'p1', trigger: 'api' as const };

  it('should hash equal requests equally, whatever the key order, route or defaults', () => {
    const sut = startRequestHash({ ...base, params: { a: 1, b: { c: 2, d: 3 } } });

    expect(
      startRequestHash({
        ...base,
        trigger: 'mcp',
        requestId: 'r9',
        params: { b: { d: 3, c: 2 }, a: 1 },
        execPosition: 'EXECUTOR',
        priority: 5,
      }),
    ).toBe(sut);
  });

  it.each([
    ['another workflow', { projectId: 'p2' }],
    ['other params', { params: { a: 2 } }],
    ['another priority', { priority: 1 }],
    ['another timeout', { timeoutMs: 1000 }],
    ['a reference', { reference: 'r' }],
  ])('should tell %s apart', (_, patch) => {
    expect(startRequestHash({ ...base, params: { a: 1 }, ...patch })).not.toBe(
      startRequestHash({ ...base, params: { a: 1 } }),
    );
  });

  // Stored rows keep the hash of their first request: the value must never drift.
  it('should keep the hash stored rows were written with', () => {
    expect(startRequestHash(base)).toBe(
      'f975871de99130e4cf06666d946f6dd047323e865687317b961de3c731f4d518',
    );
    expect(
      startRequestHash({
        ...base,
        params: { a: 1, b: [1, { z: 1, y: 2 }] },
        execPosition: 'LOCAL',
        priority: 3,
        reference: 'ref-1',
        timeoutMs: 60000,
        callbackUrl: 'https://example.com/cb',
      }),
    ).toBe('b3b06691d4e25f70c85c1928faadb9ebc8c98ad2e63ece012a8ebbd70f62aab4');
  });
});
