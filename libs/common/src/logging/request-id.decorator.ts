import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The request's X-Request-ID (accepted or generated), for carrying into jobs. */
export const RequestId = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined => {
    const id = ctx.switchToHttp().getRequest<{ id?: unknown }>().id;
    return typeof id === 'string' ? id : undefined;
  },
);
