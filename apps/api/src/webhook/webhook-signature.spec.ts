import { createHmac } from 'node:crypto';
import { SecretBox } from './webhook-secret-box';
import {
  deterministicUuid,
  generateSigningSecret,
  signPayload,
  verifySignature,
} from './webhook-signature';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1","type":"execution.completed"}';

  it('should sign "<t>.<raw body>" with HMAC-SHA256 in the documented header format', () => {
    const sut = signPayload(secret, body, 1_700_000_000);
    const mac = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(sut).toBe(`t=1700000000,v1=${mac}`);
  });

  it('should verify its own signatures and refuse tampering, other secrets and stale ones', () => {
    const now = 1_700_000_000;
    const header = signPayload(secret, body, now);
    expect(verifySignature(secret, body, header, now)).toBe(true);
    expect(verifySignature(secret, `${body} `, header, now)).toBe(false);
    expect(verifySignature('whsec_other', body, header, now)).toBe(false);
    expect(verifySignature(secret, body, header, now + 301)).toBe(false);
    expect(verifySignature(secret, body, 'garbage', now)).toBe(false);
  });

  it('should generate distinct, prefixed secrets', () => {
    const a = generateSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(generateSigningSecret()).not.toBe(a);
  });

  it('should derive the same UUID from the same name, and different ones otherwise', () => {
    const sut = deterministicUuid('event:abc:execution.completed');
    expect(sut).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid('event:abc:execution.completed')).toBe(sut);
    expect(deterministicUuid('event:abc:execution.failed')).not.toBe(sut);
  });

  describe(SecretBox.name, () => {
    it('should seal secrets so that only the same pepper opens them', () => {
      const sut = new SecretBox('pepper-0123456789abcdef');
      const sealed = sut.seal(secret);
      expect(sealed).not.toContain(secret);
      expect(sut.seal(secret)).not.toBe(sealed);
      expect(sut.open(sealed)).toBe(secret);
      expect(() => new SecretBox('another-pepper-0123456789').open(sealed)).toThrow();
    });
  });
});
