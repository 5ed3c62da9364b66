import { redactUrl } from './redact';

describe(redactUrl.name, () => {
  it.each([
    ['/mcp?key=rpa_secret', '/mcp?key=[REDACTED]'],
    ['/x?api_key=s1&apikey=s2', '/x?api_key=[REDACTED]&apikey=[REDACTED]'],
    ['/x?token=s1&access_token=s2', '/x?token=[REDACTED]&access_token=[REDACTED]'],
    ['/executions/e1/events?stream_token=st1.a.b', '/executions/e1/events?stream_token=[REDACTED]'],
    ['/x?KEY=s1&Token=s2', '/x?KEY=[REDACTED]&Token=[REDACTED]'],
    ['/x?page=2&key=s1&sort=asc', '/x?page=2&key=[REDACTED]&sort=asc'],
    ['/x?key=s1#frag', '/x?key=[REDACTED]#frag'],
    ['/x?key=', '/x?key=[REDACTED]'],
    ['/x?key=a&key=b', '/x?key=[REDACTED]&key=[REDACTED]'],
    ['/mcp?%6bey=rpa_secret', '/mcp?%6bey=[REDACTED]'],
    ['/admin/queues?%74oken=s1', '/admin/queues?%74oken=[REDACTED]'],
    ['/x?%6B%65%79=s1&a=1', '/x?%6B%65%79=[REDACTED]&a=1'],
    ['/x?key%3Ds1', '/x?[REDACTED]'],
    ['/x?api%5fkey=s1', '/x?api%5fkey=[REDACTED]'],
    ['/x?%ZZ=1&token=s1', '/x?%ZZ=1&token=[REDACTED]'],
  ])('should hide the credential in %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each([
    ['a path without a query', '/workflows/42'],
    ['harmless parameters', '/workflows?pageNo=2&pageSize=10'],
    ['parameters whose names only end in key', '/x?monkey=1&turnkey=2'],
    ['a credential-like path segment', '/key=value/x'],
  ])('should leave %s alone', (_, url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it('should answer undefined for no URL', () => {
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
