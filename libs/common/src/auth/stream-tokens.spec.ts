import { AppConfig, parseConfig } from '../config';
import { STREAM_TOKEN_TTL_MS, StreamTokens } from './stream-tokens';

const tokensWith = (pepper: string) =>
  new StreamTokens(new AppConfig(parseConfig({ API_KEY_PEPPER: pepper })));

describe(StreamTokens.name, () => {
  const sut = tokensWith('unit-test-pepper-0123456789');
  const now = 1_800_000_000_000;

  it('should give back the owner for the execution the token was issued for', () => {
    const { token, expiresAt } = sut.issue('alice', 'exec-1', now);
    expect(sut.verify(token, 'exec-1', now + 1000)).toBe('alice');
    expect(expiresAt.getTime()).toBe(now + STREAM_TOKEN_TTL_MS);
  });

  it('should refuse the token for another execution', () => {
    const { token } = sut.issue('alice', 'exec-1', now);
    expect(sut.verify(token, 'exec-2', now)).toBeNull();
  });

  it('should refuse an expired token', () => {
    const { token } = sut.issue('alice', 'exec-1', now);
    expect(sut.verify(token, 'exec-1', now + STREAM_TOKEN_TTL_MS)).toBeNull();
  });

  it('should refuse a token signed by another deployment', () => {
    const { token } = tokensWith('another-pepper-0123456789').issue('alice', 'exec-1', now);
    expect(sut.verify(token, 'exec-1', now)).toBeNull();
  });

  it('should refuse claims changed after signing', () => {
    const { token } = sut.issue('alice', 'exec-1', now);
    const [prefix, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ u: 'mallory', e: 'exec-1', x: now + 1e9 }));
    expect(
      sut.verify(`${prefix}.${forged.toString('base64url')}.${signature}`, 'exec-1', now),
    ).toBeNull();
  });

  it.each(['', 'st1', 'st1..', 'st1.a.b.c', 'rpa_notatoken', 'st1.!!!.???'])(
    'should refuse the malformed token %j',
    (token) => {
      expect(sut.verify(token, 'exec-1', now)).toBeNull();
    },
  );
});
