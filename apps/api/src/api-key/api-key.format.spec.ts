import { createHmac } from 'node:crypto';
import { generateApiKey, hashApiKey, hashMatches, maskKey, prefixOf } from './api-key.format';

const PEPPER = 'unit-test-pepper-0123456789';
const KEY_SHAPE = /^rpa_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/;

describe('api-key.format', () => {
  describe(generateApiKey.name, () => {
    it('should make a key of the documented layout that starts with its prefix', () => {
      const sut = generateApiKey();

      expect(sut.key).toMatch(KEY_SHAPE);
      expect(sut.prefix).toMatch(/^rpa_[A-Za-z0-9]{12}$/);
      expect(sut.key.startsWith(`${sut.prefix}_`)).toBe(true);
    });

    it('should never repeat a key or a prefix', () => {
      const keys = Array.from({ length: 2000 }, () => generateApiKey());

      expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
      expect(new Set(keys.map((k) => k.prefix)).size).toBe(keys.length);
    });

    it('should use every base62 character in prefixes', () => {
      const seen = new Set(
        Array.from({ length: 500 }, () => generateApiKey().prefix.slice(4)).join(''),
      );

      expect(seen.size).toBe(62);
    });
  });

  describe(prefixOf.name, () => {
    it('should answer the prefix of a well-formed key', () => {
      const { key, prefix } = generateApiKey();

      expect(prefixOf(key)).toBe(prefix);
    });

    it.each([
      ['an empty string', ''],
      ['a bare prefix', 'rpa_AbCdEfGhIjKl'],
      ['another product prefix', 'sk_AbCdEfGhIjKl_' + 'a'.repeat(43)],
      ['a short secret', 'rpa_AbCdEfGhIjKl_' + 'a'.repeat(42)],
      ['a long secret', 'rpa_AbCdEfGhIjKl_' + 'a'.repeat(44)],
      ['a short id', 'rpa_AbCdEfGhIjK_' + 'a'.repeat(43)],
      ['a character outside base64url', 'rpa_AbCdEfGhIjKl_' + 'a'.repeat(42) + '+'],
      ['surrounding whitespace', ' rpa_AbCdEfGhIjKl_' + 'a'.repeat(43)],
      ['a trailing newline', 'rpa_AbCdEfGhIjKl_' + 'a'.repeat(43) + '\n'],
    ])('should answer null for %s', (_, candidate) => {
      expect(prefixOf(candidate)).toBeNull();
    });
  });

  describe(hashApiKey.name, () => {
    it('should be the hex HMAC-SHA256 of the whole key with the pepper', () => {
      const { key } = generateApiKey();

      const sut = hashApiKey(key, PEPPER);

      expect(sut).toBe(createHmac('sha256', PEPPER).update(key).digest('hex'));
      expect(sut).toMatch(/^[0-9a-f]{64}$/);
      expect(sut).not.toContain(key.slice(-43));
    });

    it('should depend on the pepper', () => {
      const { key } = generateApiKey();

      expect(hashApiKey(key, PEPPER)).not.toBe(hashApiKey(key, `${PEPPER}x`));
    });
  });

  describe(hashMatches.name, () => {
    const { key } = generateApiKey();
    const stored = hashApiKey(key, PEPPER);

    it('should accept the key the hash was made of', () => {
      expect(hashMatches(key, PEPPER, stored)).toBe(true);
    });

    it('should refuse another key, another pepper or a damaged hash', () => {
      expect(hashMatches(generateApiKey().key, PEPPER, stored)).toBe(false);
      expect(hashMatches(key, `${PEPPER}x`, stored)).toBe(false);
      expect(hashMatches(key, PEPPER, stored.slice(0, 62))).toBe(false);
      expect(hashMatches(key, PEPPER, '')).toBe(false);
      expect(hashMatches(key, PEPPER, 'not hex at all')).toBe(false);
    });
  });

  describe(maskKey.name, () => {
    it('should show the prefix followed by six stars', () => {
      expect(maskKey('rpa_AbCdEfGhIjKl')).toBe('rpa_AbCdEfGhIjKl******');
    });
  });
});
