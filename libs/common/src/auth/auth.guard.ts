import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppException, LEGACY_ROUTE } from '../errors';
import { AUTH_METHODS, AUTH_SCOPES, PRINCIPAL, PUBLIC_ROUTE } from './auth.decorators';
import { Authenticator, credentialsFromHeaders } from './authenticator';
import { AuthMethod, Principal, Scope } from './principal';
import { STREAM_TOKEN_REFUSED, StreamTokens } from './stream-tokens';

/**
 * Global guard: a route is closed unless it says @Public() or which credentials it takes.
 * Scopes are checked here; ownership of resources is checked in services.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly streamTokens: StreamTokens,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const methods = this.reflector.getAllAndOverride<AuthMethod[]>(AUTH_METHODS, targets);
    if (!methods?.length) throw new AppException('NOT_FOUND', 'Not found');

    const req = context.switchToHttp().getRequest<Request & Record<symbol, unknown>>();
    const streamToken = methods.includes('stream') ? req.query?.stream_token : undefined;
    const principal =
      streamToken !== undefined
        ? await this.streamPrincipal(streamToken, req.params?.id)
        : await this.authenticator.authenticate(credentialsFromHeaders(req.headers), methods, {
            gatewayFallback: this.reflector.getAllAndOverride<boolean>(LEGACY_ROUTE, targets),
          });
    const required = this.reflector.getAllAndOverride<Scope[]>(AUTH_SCOPES, targets) ?? [];
    const missing = required.filter((scope) => !principal.scopes.includes(scope));
    if (missing.length) {
      throw new AppException('FORBIDDEN', `This API key lacks the scope: ${missing.join(', ')}`);
    }
    req[PRINCIPAL] = principal;
    return true;
  }

  private async streamPrincipal(token: unknown, executionId: unknown): Promise<Principal> {
    const principal =
      typeof token === 'string' && typeof executionId === 'string'
        ? await this.streamTokens.verify(token, executionId)
        : null;
    if (!principal) {
      throw new AppException('UNAUTHENTICATED', STREAM_TOKEN_REFUSED);
    }
    return principal;
  }
}
