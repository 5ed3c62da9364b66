import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { SecretBox } from './webhook-secret-box';

/** How earlier versions sealed (v1): AES-256-GCM under a key derived from the API key pepper. */
function sealV1(pepper: string, secret: string): string {
  const key = Buffer.from(
    hkdfSync('sha256', pepper, 'rpa-webhooks', 'webhook-signing-secrets', 32),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

describe(SecretBox.name, () => {
  const KEY = 'webhook-secret-key-0123456789';
  const PEPPER = 'api-key-pepper-0123456789';

  it('should seal with its own key, independent of the API key pepper', () => {
    const sut = new SecretBox(KEY, PEPPER);
    const sealed = sut.seal('whsec_abc');
    expect(sealed).toMatch(/^v2\./);
    expect(new SecretBox(KEY, 'another-pepper-0123456789').open(sealed)).toBe('whsec_abc');
    expect(() => new SecretBox('another-key-0123456789').open(sealed)).toThrow();
    expect(sut.needsReseal(sealed)).toBe(false);
  });

  it('should open a secret sealed under the pepper by an earlier version, and flag it', () => {
    const v1 = sealV1(PEPPER, 'whsec_legacy');
    const sut = new SecretBox(KEY, PEPPER);
    expect(sut.needsReseal(v1)).toBe(true);
    expect(sut.open(v1)).toBe('whsec_legacy');
    expect(sut.open(sut.seal(sut.open(v1)))).toBe('whsec_legacy');
    expect(() => new SecretBox(KEY).open(v1)).toThrow(/Unrecognised/);
  });
});
