import { InvalidatingCache, Scope } from '@app/common';

export interface CachedKey {
  keyId: number;
  userId: string;
  hash: string;
  /** bcrypt hash of an imported key that has not been used yet. */
  legacyHash: string | null;
  scopes: Scope[];
  expiresAt: number | null;
}

/** Prefix → key record (or null for a prefix known not to exist). */
export class ApiKeyCache extends InvalidatingCache<CachedKey> {}
