import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { AuthMethod, Principal, Scope } from './principal';

export const AUTH_METHODS = 'rpa:auth-methods';
export const AUTH_SCOPES = 'rpa:auth-scopes';
export const PUBLIC_ROUTE = 'rpa:public';

/**
 * Which credentials a route accepts: `user` (X-User-Id from a trusted gateway), `key`, `admin`,
 * `stream` (a stream token). Routes that take a user document X-User-Id; no other route does.
 */
export const Auth = (...methods: AuthMethod[]) =>
  applyDecorators(
    SetMetadata(AUTH_METHODS, methods),
    ...(methods.includes('user')
      ? [
          ApiHeader({
            name: 'X-User-Id',
            required: !methods.includes('key'),
            description:
              'The user, as set by the platform gateway; honoured only when ' +
              'AUTH_TRUST_USER_HEADER=true' +
              (methods.includes('key') ? ' (else send an API key)' : ''),
          }),
        ]
      : []),
  );

/** Scopes an API key must carry for the route; trusted users and admins have all. */
export const Scopes = (...scopes: Scope[]) => SetMetadata(AUTH_SCOPES, scopes);

export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export const PRINCIPAL = Symbol('rpa.principal');

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const req = ctx.switchToHttp().getRequest<Record<symbol, Principal>>();
    return req[PRINCIPAL];
  },
);
