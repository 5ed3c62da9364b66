import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** Documents a response as the `{code, msg, data}` envelope around `model`. */
export function ApiEnvelope(
  model: Type<unknown> | null,
  options: { status?: number; description?: string; isArray?: boolean } = {},
) {
  const data = model
    ? options.isArray
      ? { type: 'array', items: { $ref: getSchemaPath(model) } }
      : { $ref: getSchemaPath(model) }
    : { type: 'object', nullable: true };
  return applyDecorators(
    ...(model ? [ApiExtraModels(model)] : []),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description,
      schema: {
        type: 'object',
        required: ['code', 'msg', 'data'],
        properties: { code: { type: 'string', example: '0000' }, msg: { type: 'string' }, data },
      },
    }),
  );
}

/** Documents the error envelope for the listed statuses. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        schema: {
          type: 'object',
          properties: {
            code: { type: 'string', example: '5001' },
            msg: { type: 'string' },
            data: { type: 'object', nullable: true, example: null },
            error: { type: 'string' },
            request_id: { type: 'string' },
          },
        },
      }),
    ),
  );
}
