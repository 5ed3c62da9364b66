import type { Request } from 'express';
import { mcpApiKey } from './mcp-credentials';

const req = (headers: Record<string, string | string[]>, query: Record<string, unknown> = {}) =>
  ({ headers, query }) as unknown as Request;

describe(mcpApiKey.name, () => {
  it.each([
    ['a Bearer header', req({ authorization: 'Bearer k1' })],
    ['a lower-case bearer', req({ authorization: 'bearer k1' })],
    ['X-API-Key', req({ 'x-api-key': ' k1 ' })],
    ['?key=', req({}, { key: 'k1' })],
  ])('should take the key from %s', (_, request) => {
    expect(mcpApiKey(request, true)).toEqual({ key: 'k1' });
  });

  it.each([
    ['nothing', req({}), 'Missing API key'],
    ['another scheme', req({ authorization: 'Basic abc' }), 'must be "Bearer <api key>"'],
    ['two headers', req({ authorization: 'Bearer a', 'x-api-key': 'a' }), 'exactly one'],
    ['an empty X-API-Key', req({ 'x-api-key': '' }), 'non-empty X-API-Key'],
    ['a repeated ?key=', req({}, { key: ['a', 'b'] }), 'one non-empty ?key='],
  ])('should refuse %s', (_, request, problem) => {
    expect(mcpApiKey(request, true)).toEqual({ problem: expect.stringContaining(problem) });
  });

  it('should refuse ?key= when it is switched off, and not suggest it', () => {
    expect(mcpApiKey(req({}, { key: 'k1' }), false)).toEqual({
      problem: expect.stringContaining('(?key=) are disabled'),
    });
    expect(mcpApiKey(req({}), false)).toEqual({ problem: expect.not.stringContaining('?key=') });
  });
});
