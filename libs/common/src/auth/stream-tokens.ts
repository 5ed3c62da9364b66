import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { safeEqual } from './authenticator';
import { API_KEY_VERIFIER, ApiKeyVerifier, Principal } from './principal';

/** How long a stream token opens the stream: long enough to hand it to an EventSource. */
export const STREAM_TOKEN_TTL_MS = 60_000;

/** Why a token is refused, whatever the cause: the client's remedy is the same. */
export const STREAM_TOKEN_REFUSED =
  'Invalid or expired stream token: ask POST /executions/{id}/stream-token for a new one';

/** Tokens that name the key they were minted with, so that revoking the key voids them. */
const PREFIX = 'st2';
/**
 * Tokens of the release before: they name no key, so they cannot be revoked. Still taken
 * because instances of that release keep issuing them during a rolling deploy, and each is
 * good for 60 s only; this release never issues one. Signed under their own key, so a
 * relabelled st2 token cannot pass for one and shed its key.
 */
const LEGACY_PREFIX = 'st1';

interface StreamClaims {
  /** Owner of the execution. */
  u: string;
  /** The one execution the token opens. */
  e: string;
  /** Expiry, ms since the epoch. */
  x: number;
  /** Id of the API key that minted the token; absent when a trusted user header did. */
  k?: number;
}

/** Who a token is issued to: the caller of the stream-token route. */
export type StreamTokenOwner = Pick<Principal, 'userId' | 'keyId'>;

/**
 * Short-lived, signed permissions to read one execution's event stream, for browsers whose
 * EventSource cannot send an Authorization header. A token is not a key: it opens
 * `GET /executions/{id}/events` of that one execution, for its owner, until it expires or the
 * key that minted it is revoked. It is an HMAC over its claims with a key derived from
 * API_KEY_PEPPER, so every instance of the deployment accepts what any other issued; nothing is
 * stored, and the minting key is checked through the API key verifier's cache, which every
 * revocation reaches over Redis.
 */
@Injectable()
export class StreamTokens {
  private readonly signingKeys: Record<string, Buffer>;

  constructor(
    config: AppConfig,
    @Inject(API_KEY_VERIFIER) private readonly apiKeys: ApiKeyVerifier,
  ) {
    const derive = (label: string): Buffer =>
      createHmac('sha256', config.auth.apiKeyPepper).update(label).digest();
    this.signingKeys = {
      [PREFIX]: derive('rpa:stream-token:v2'),
      [LEGACY_PREFIX]: derive('rpa:stream-token:v1'),
    };
  }

  issue(
    owner: StreamTokenOwner,
    executionId: string,
    now = Date.now(),
  ): { token: string; expiresAt: Date } {
    const claims: StreamClaims = {
      u: owner.userId,
      e: executionId,
      x: now + STREAM_TOKEN_TTL_MS,
      ...(owner.keyId !== undefined ? { k: owner.keyId } : {}),
    };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return {
      token: `${PREFIX}.${body}.${this.sign(PREFIX, body)}`,
      expiresAt: new Date(claims.x),
    };
  }

  /**
   * The principal the token speaks for (the stream is then tied to its key), or null when it
   * is forged, expired, for another stream, or its key is no longer active.
   */
  async verify(token: string, executionId: string, now = Date.now()): Promise<Principal | null> {
    const claims = this.claimsOf(token);
    if (!claims || claims.e !== executionId || claims.x <= now) return null;
    const principal: Principal = { userId: claims.u, via: 'stream', scopes: ['read'] };
    if (claims.k === undefined) return principal;
    const key = await this.apiKeys.activeKey(claims.k);
    if (!key || key.userId !== claims.u) return null;
    return {
      ...principal,
      keyId: claims.k,
      ...(key.expiresAt !== undefined ? { expiresAt: key.expiresAt } : {}),
    };
  }

  /** Signature first: a forged token costs one HMAC and nothing else. */
  private claimsOf(token: string): StreamClaims | null {
    const [prefix, body, signature, extra] = token.split('.');
    if (prefix !== PREFIX && prefix !== LEGACY_PREFIX) return null;
    if (!body || !signature || extra !== undefined) return null;
    if (!safeEqual(signature, this.sign(prefix, body))) return null;
    let claims: Partial<StreamClaims>;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StreamClaims;
    } catch {
      return null;
    }
    const { u, e, x, k } = claims;
    if (typeof u !== 'string' || typeof e !== 'string' || typeof x !== 'number') return null;
    if (prefix === LEGACY_PREFIX || k === undefined) return { u, e, x };
    return Number.isSafeInteger(k) ? { u, e, x, k } : null;
  }

  private sign(prefix: string, body: string): string {
    return createHmac('sha256', this.signingKeys[prefix]).update(body).digest('base64url');
  }
}
