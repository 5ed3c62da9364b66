import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, map } from 'rxjs';
import { EnvelopeAnswer, ok } from './envelope';
import { LEGACY_ROUTE, markLegacyRequest } from './legacy';

export const RAW_RESPONSE = 'rpa:raw-response';

/** Wraps every JSON answer in `{code, msg, data}` and flags legacy routes for the filter. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(LEGACY_ROUTE, targets)) {
      markLegacyRequest(context.switchToHttp().getRequest());
    }
    if (this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, targets)) return next.handle();
    return next
      .handle()
      .pipe(
        map((data: unknown) =>
          data instanceof EnvelopeAnswer
            ? { code: data.code, msg: data.msg, data: data.data as unknown }
            : ok(data ?? null),
        ),
      );
  }
}

/** For routes that answer something other than JSON (streams, Prometheus text). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);
