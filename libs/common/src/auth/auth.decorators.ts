import { SetMetadata, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AuthMethod, Principal, Scope } from './principal';

export const AUTH_METHODS = 'rpa:auth-methods';
export const AUTH_SCOPES = 'rpa:auth-scopes';
export const PUBLIC_ROUTE = 'rpa:public';

/** Which credentials a route accepts (DESIGN §4: user, key, admin). */
export const Auth = (...methods: AuthMethod[]) => SetMetadata(AUTH_METHODS, methods);

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
