import { timingSafeEqual, createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { AppException } from '../errors';
import { API_KEY_VERIFIER, ApiKeyVerifier, AuthMethod, Principal, SCOPES } from './principal';

/**
 * User ids of the platform: UUIDs, numbers, `owner/name` forms… 1-128 characters, none of
 * them a control, format or white-space character. Compared exactly everywhere.
 */
export const USER_ID = /^[^\p{Cc}\p{Cf}\p{Z}\s]{1,128}$/u;
export const USER_ID_RULE = '1-128 characters without control characters or white space';

export interface Credentials {
  /** Bearer token from Authorization (or `?key=` / a socket's auth.token). */
  bearer?: string;
  /** Value of X-User-Id / user_id, trusted only when AUTH_TRUST_USER_HEADER=true. */
  userHeader?: string;
}

type Headers = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function credentialsFromHeaders(headers: Headers, queryKey?: unknown): Credentials {
  const authorization = first(headers.authorization)?.trim();
  // The workflow-engine plugin sends its key with or without the `Bearer ` scheme.
  const bearer =
    authorization?.match(/^Bearer\s+(\S+)$/i)?.[1] ??
    (authorization && !/\s/.test(authorization) ? authorization : undefined);
  return {
    bearer: bearer ?? (typeof queryKey === 'string' && queryKey ? queryKey : undefined),
    userHeader: first(headers['x-user-id']) ?? first(headers['user_id']),
  };
}

/** Constant-time comparison that does not leak the length of the secret either. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Resolves credentials into a Principal for HTTP guards, the Socket.IO handshake and MCP.
 * Throws UNAUTHENTICATED (401); admin routes answer 404 when no ADMIN_TOKEN is configured.
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly config: AppConfig,
    @Inject(API_KEY_VERIFIER) private readonly keys: ApiKeyVerifier,
  ) {}

  /**
   * `options.gatewayFallback` (the legacy routes): a Bearer token that cannot be an API key
   * gives way to the trusted user header, as behind the platform's gateway.
   */
  async authenticate(
    credentials: Credentials,
    allowed: readonly AuthMethod[],
    options: { gatewayFallback?: boolean } = {},
  ): Promise<Principal> {
    if (allowed.includes('admin')) return this.admin(credentials);

    if (
      credentials.bearer !== undefined &&
      allowed.includes('key') &&
      !(options.gatewayFallback && this.gatewayToken(credentials, allowed))
    ) {
      const principal = await this.keys.verify(credentials.bearer);
      if (!principal)
        throw new AppException('UNAUTHENTICATED', 'Invalid, revoked or expired API key');
      return principal;
    }
    if (allowed.includes('user') && this.config.auth.trustUserHeader) {
      const userId = credentials.userHeader?.trim();
      if (userId) {
        if (!USER_ID.test(userId)) {
          throw new AppException('UNAUTHENTICATED', `X-User-Id must be ${USER_ID_RULE}`);
        }
        return { userId, via: 'user', scopes: SCOPES };
      }
    }
    if (!allowed.includes('key')) {
      throw new AppException(
        'UNAUTHENTICATED',
        'This route needs the X-User-Id header of a trusted gateway',
      );
    }
    throw new AppException(
      'UNAUTHENTICATED',
      'Missing credentials: send Authorization: Bearer <api key>',
    );
  }

  /**
   * Behind the platform's gateway a call carries the gateway's own session token as Bearer
   * plus the user header: a token that cannot be an API key is then not one, and the
   * trusted header decides.
   */
  private gatewayToken(credentials: Credentials, allowed: readonly AuthMethod[]): boolean {
    return (
      allowed.includes('user') &&
      this.config.auth.trustUserHeader &&
      Boolean(credentials.userHeader?.trim()) &&
      !this.keys.isKeyFormat(credentials.bearer ?? '')
    );
  }

  private admin(credentials: Credentials): Principal {
    const token = this.config.auth.adminToken;
    if (!token) throw new AppException('NOT_FOUND', 'Not found');
    if (!credentials.bearer || !safeEqual(credentials.bearer, token)) {
      throw new AppException('UNAUTHENTICATED', 'Invalid or missing admin token');
    }
    return { userId: 'admin', via: 'admin', scopes: SCOPES };
  }
}
