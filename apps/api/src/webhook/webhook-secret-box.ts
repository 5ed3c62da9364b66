import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * Signing secrets must be recoverable (they key the HMAC of every delivery), so they cannot be
 * hashed like API keys. They are stored encrypted (AES-256-GCM) with a key derived from
 * API_KEY_PEPPER, so a database dump alone does not let anyone forge deliveries.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(pepper: string) {
    this.key = Buffer.from(
      hkdfSync('sha256', pepper, 'rpa-webhooks', 'webhook-signing-secrets', 32),
    );
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  open(stored: string): string {
    const [version, data] = stored.split('.', 2);
    if (version !== VERSION || !data) throw new Error('Unrecognised sealed secret');
    const raw = Buffer.from(data, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
