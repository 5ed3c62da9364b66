import type { Response } from 'express';
import { AppConfig, AppException, Principal, STREAM_TOKEN_REFUSED, parseConfig } from '@app/common';
import { SseStreams, streamOwner } from './sse-streams';

/** The part of an express response a stream writes to, recording what was sent. */
class FakeResponse {
  readonly chunks: string[] = [];
  writableEnded = false;
  status(): this {
    return this;
  }
  setHeader(): void {}
  flushHeaders(): void {}
  write(chunk: string): void {
    this.chunks.push(chunk);
  }
  end(): void {
    this.writableEnded = true;
  }
  on(): void {}
}

const byKey = (keyId: number): Principal => ({
  userId: 'alice',
  via: 'key',
  keyId,
  scopes: ['read'],
});
const byToken = (keyId: number): Principal => ({ ...byKey(keyId), via: 'stream' });
const revocation = (keyIds: number[]) => ({ key_ids: keyIds, prefixes: [], user_id: 'alice' });

describe(SseStreams.name, () => {
  let sut: SseStreams;

  beforeEach(() => {
    sut = new SseStreams(
      new AppConfig(parseConfig({ API_KEY_PEPPER: 'unit-test-pepper-0123456789' })),
    );
  });

  const open = (principal: Principal) => {
    const res = new FakeResponse();
    const stream = sut.open(principal, res as unknown as Response);
    return { res, stream };
  };

  it('should count a stream opened with a stream token for the key that asked for the token', () => {
    open(byKey(7));
    open(byToken(7));
    expect(streamOwner(byToken(7))).toBe('key:7');
    expect(sut.count('key:7')).toBe(2);
  });

  it("should end a token's streams when its key is revoked, exactly as the key's own", () => {
    const own = open(byKey(7));
    const token = open(byToken(7));
    const other = open(byToken(8));

    sut.onKeysRevoked(revocation([7]));

    expect(own.stream.closed).toBe(true);
    expect(token.stream.closed).toBe(true);
    expect(token.res.chunks).toEqual(own.res.chunks);
    expect(token.res.chunks.at(-1)).toBe(
      'event: error\ndata: {"error":"UNAUTHENTICATED","message":"The API key has been revoked"}\n\n',
    );
    expect(other.stream.closed).toBe(false);
    expect(sut.count('key:7')).toBe(0);
    other.stream.close();
  });

  it('should not open a stream whose key was revoked while it was being opened', () => {
    sut.onKeysRevoked(revocation([7]));

    const refused = (principal: Principal) => {
      try {
        open(principal);
      } catch (err) {
        return err as AppException;
      }
      throw new Error('the stream was opened');
    };
    expect(refused(byKey(7))).toMatchObject({
      code: 'UNAUTHENTICATED',
      status: 401,
      message: 'Invalid, revoked or expired API key',
    });
    expect(refused(byToken(7))).toMatchObject({
      code: 'UNAUTHENTICATED',
      status: 401,
      message: STREAM_TOKEN_REFUSED,
    });
    expect(sut.count('key:7')).toBe(0);
    open(byToken(8)).stream.close();
  });
});
