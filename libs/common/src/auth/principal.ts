export const SCOPES = ['read', 'execute', 'manage'] as const;
export type Scope = (typeof SCOPES)[number];

/** `stream`: a stream token (`?stream_token=`), on the event stream of one execution only. */
export type AuthMethod = 'user' | 'key' | 'admin' | 'stream';

/** Who is calling. Every resource is owned by one userId. */
export interface Principal {
  userId: string;
  via: AuthMethod;
  /** Set when the caller used an API key. */
  keyId?: number;
  /** When the key stops working (ms since the epoch), if it expires. */
  expiresAt?: number;
  scopes: readonly Scope[];
}

/** Implemented by the api-key feature; libs only knows this contract. */
export interface ApiKeyVerifier {
  /** The key's principal, or null when the key is unknown, revoked or expired. */
  verify(rawKey: string): Promise<Principal | null>;
  /**
   * The principal of key `keyId` while it is active (stream tokens name the key that minted
   * them), or null once it is revoked, expired or unknown. Cached like `verify`.
   */
  activeKey(keyId: number): Promise<Principal | null>;
  /** Whether `raw` has the shape of an API key this service issues or has imported. */
  isKeyFormat(raw: string): boolean;
}

export const API_KEY_VERIFIER = Symbol('API_KEY_VERIFIER');
