import { IncomingMessage, ServerResponse } from 'node:http';
import { acceptRequestId, requestIdFor } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request-id', () => {
  describe(acceptRequestId.name, () => {
    it.each([
      ['letters and digits', 'abcXYZ0123'],
      ['dots, underscores and dashes', 'a.b_c-d'],
      ['a single character', 'x'],
      ['128 characters', 'r'.repeat(128)],
      ['a UUID', '7f0c1a8e-6a57-4a0e-9d3b-2a4c4b1e2f3d'],
    ])('should accept %s', (_, candidate) => {
      expect(acceptRequestId(candidate)).toBe(candidate);
    });

    it.each([
      ['an empty string', ''],
      ['129 characters', 'r'.repeat(129)],
      ['a space', 'a b'],
      ['a slash', 'a/b'],
      ['a newline (log injection)', 'abc\ninjected'],
      ['a colon', 'a:b'],
      ['non-ASCII letters', 'ünïcode'],
      ['a missing header', undefined],
      ['a repeated header', ['one', 'two']],
      ['a number', 42],
    ])('should answer a fresh UUID for %s', (_, candidate) => {
      const sut = acceptRequestId(candidate);

      expect(sut).toMatch(UUID);
    });

    it('should not answer the same generated id twice', () => {
      expect(acceptRequestId('bad id')).not.toBe(acceptRequestId('bad id'));
    });
  });

  describe(requestIdFor.name, () => {
    const fakeResponse = (headersSent = false) => {
      const headers: Record<string, string> = {};
      const res = {
        headersSent,
        setHeader: (name: string, value: string) => (headers[name] = value),
      } as unknown as ServerResponse;
      return { res, headers };
    };
    const fakeRequest = (id?: string) =>
      ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage;

    it('should take a valid caller id, remember it on the request and echo it', () => {
      const req = fakeRequest('trace-1');
      const { res, headers } = fakeResponse();

      const sut = requestIdFor(req, res);

      expect(sut).toBe('trace-1');
      expect((req as IncomingMessage & { id?: string }).id).toBe('trace-1');
      expect(headers['X-Request-ID']).toBe('trace-1');
    });

    it('should replace an invalid caller id and echo the replacement', () => {
      const { res, headers } = fakeResponse();

      const sut = requestIdFor(fakeRequest('not valid!'), res);

      expect(sut).toMatch(UUID);
      expect(headers['X-Request-ID']).toBe(sut);
    });

    it('should answer the id already assigned to the request', () => {
      const req = fakeRequest();
      const first = requestIdFor(req, fakeResponse().res);

      const sut = requestIdFor(req, fakeResponse().res);

      expect(sut).toBe(first);
    });

    it('should not touch the headers of a response already sent', () => {
      const { res, headers } = fakeResponse(true);

      requestIdFor(fakeRequest('late'), res);

      expect(headers).toEqual({});
    });
  });
});
