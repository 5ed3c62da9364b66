import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { safeEqual } from './authenticator';

/** How long a stream token opens the stream: long enough to hand it to an EventSource. */
export const STREAM_TOKEN_TTL_MS = 60_000;

const PREFIX = 'st1';

interface StreamClaims {
  /** Owner of the execution. */
  u: string;
  /** The one execution the token opens. */
  e: string;
  /** Expiry, ms since the epoch. */
  x: number;
}

/**
 * Short-lived, signed permissions to read one execution's event stream, for browsers whose
 * EventSource cannot send an Authorization header. A token is not a key: it opens
 * `GET /executions/{id}/events` of that one execution, for its owner, until it expires. It is
 * an HMAC over its claims with a key derived from API_KEY_PEPPER, so every instance of the
 * deployment accepts what any other issued and nothing is stored.
 */
@Injectable()
export class StreamTokens {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = createHmac('sha256', config.auth.apiKeyPepper)
      .update('rpa:stream-token:v1')
      .digest();
  }

  issue(userId: string, executionId: string, now = Date.now()): { token: string; expiresAt: Date } {
    const claims: StreamClaims = { u: userId, e: executionId, x: now + STREAM_TOKEN_TTL_MS };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${PREFIX}.${body}.${this.sign(body)}`, expiresAt: new Date(claims.x) };
  }

  /** The owner the token speaks for, or null when it is forged, expired or for another stream. */
  verify(token: string, executionId: string, now = Date.now()): string | null {
    const [prefix, body, signature, extra] = token.split('.');
    if (prefix !== PREFIX || !body || !signature || extra !== undefined) return null;
    if (!safeEqual(signature, this.sign(body))) return null;
    let claims: Partial<StreamClaims>;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StreamClaims;
    } catch {
      return null;
    }
    if (typeof claims.u !== 'string' || typeof claims.x !== 'number') return null;
    if (claims.e !== executionId || claims.x <= now) return null;
    return claims.u;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
