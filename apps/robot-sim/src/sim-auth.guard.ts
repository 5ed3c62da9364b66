import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';

export const SIM_ACCESS_TOKEN = Symbol('SIM_ACCESS_TOKEN');

/** When the simulator is given a token, callers must present it, as a real robot service would. */
@Injectable()
export class SimAuthGuard implements CanActivate {
  constructor(@Inject(SIM_ACCESS_TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (req.path === '/health') return true;
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      throw new UnauthorizedException('invalid robot access token');
    }
    return true;
  }
}
