import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Key layout: `rpa_<12 base62 id>_<43 base64url secret>` (256 bits of secret).
 * `rpa_<id>` is the stored, unique, displayable prefix used for an O(1) lookup.
 */
const KEY_PATTERN = /^(rpa_[A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/;
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function base62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 62 * 4: rejecting the rest keeps every character equally likely.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function generateApiKey(): { key: string; prefix: string } {
  const prefix = `rpa_${base62(12)}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/** Keys of the legacy service: 32 letters and digits, looked up by their first 8. */
const LEGACY_KEY_PATTERN = /^[A-Za-z0-9]{32}$/;
export const LEGACY_PREFIX_LENGTH = 8;

/** The prefix of a well-formed key (ours or an imported one), or null for anything else. */
export function prefixOf(key: string): string | null {
  if (LEGACY_KEY_PATTERN.test(key)) return key.slice(0, LEGACY_PREFIX_LENGTH);
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

export const isLegacyKey = (key: string): boolean => LEGACY_KEY_PATTERN.test(key);

export function hashApiKey(key: string, pepper: string): string {
  return createHmac('sha256', pepper).update(key).digest('hex');
}

export function hashMatches(key: string, pepper: string, expectedHex: string): boolean {
  const actual = Buffer.from(hashApiKey(key, pepper), 'hex');
  const expected = Buffer.from(expectedHex, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export const maskKey = (prefix: string): string => `${prefix}******`;
