/** Redis channel on which every process learns of revocations (docs/api.md: within 1 s). */
export const API_KEY_REVOKED_CHANNEL = 'api-keys:revoked';

/** In-process domain event, re-emitted on every process from the Redis channel. */
export const ApiKeyEvents = {
  Revoked: 'api-key.revoked',
} as const;

export interface ApiKeyRevokedEvent {
  /** Revoked key ids; the gateway disconnects their sockets. */
  key_ids: number[];
  prefixes: string[];
  user_id: string;
}
