import { Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { AppException, Authenticator, credentialsFromHeaders } from '@app/common';
import { SocketData } from './gateway.types';

/**
 * The Socket.IO handshake (docs/live-events.md): `auth.token` (an API key; also accepted as
 * `Authorization: Bearer`) or the trusted X-User-Id header. A key needs the `read` scope.
 */
@Injectable()
export class SocketAuthenticator {
  constructor(private readonly authenticator: Authenticator) {}

  async authenticate(
    handshake: Pick<Socket['handshake'], 'auth' | 'headers'>,
  ): Promise<SocketData> {
    const token: unknown = handshake.auth?.token;
    if (token !== undefined && token !== null && typeof token !== 'string') {
      throw new AppException('UNAUTHENTICATED', 'auth.token must be a string (an API key)');
    }
    const fromHeaders = credentialsFromHeaders(handshake.headers);
    const principal = await this.authenticator.authenticate(
      { bearer: token || fromHeaders.bearer, userHeader: fromHeaders.userHeader },
      ['user', 'key'],
    );
    if (!principal.scopes.includes('read')) {
      throw new AppException('FORBIDDEN', 'This API key lacks the scope: read');
    }
    return {
      userId: principal.userId,
      via: principal.via,
      keyId: principal.keyId,
      expiresAt: principal.expiresAt,
    };
  }
}
