import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const CURRENT = 'v2';
const LEGACY = 'v1';

const derive = (secret: string, info: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'rpa-webhooks', info, 32));

/**
 * Signing secrets must be recoverable (they key the HMAC of every delivery), so they cannot be
 * hashed like API keys. They are stored encrypted (AES-256-GCM) under WEBHOOK_SECRET_KEY, a key
 * of their own, so a database dump alone does not let anyone forge deliveries, and the API key
 * pepper can change without touching them. `v1.` values were sealed under a key derived from
 * API_KEY_PEPPER: they still open (given the pepper) and are re-sealed (`needsReseal`).
 */
export class SecretBox {
  private readonly key: Buffer;
  private readonly legacyKey: Buffer | null;

  constructor(secretKey: string, legacyPepper?: string) {
    this.key = derive(secretKey, 'webhook-signing-secrets-v2');
    this.legacyKey = legacyPepper ? derive(legacyPepper, 'webhook-signing-secrets') : null;
  }

  seal(secret: string): string {
    return `${CURRENT}.${SecretBox.encrypt(this.key, secret)}`;
  }

  open(stored: string): string {
    const [version, data] = stored.split('.', 2);
    if (!data) throw new Error('Unrecognised sealed secret');
    if (version === CURRENT) return SecretBox.decrypt(this.key, data);
    if (version === LEGACY && this.legacyKey) return SecretBox.decrypt(this.legacyKey, data);
    throw new Error('Unrecognised sealed secret');
  }

  /** Sealed under the pepper-derived key of earlier versions. */
  needsReseal(stored: string): boolean {
    return stored.startsWith(`${LEGACY}.`);
  }

  private static encrypt(key: Buffer, secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  private static decrypt(key: Buffer, data: string): string {
    const raw = Buffer.from(data, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
