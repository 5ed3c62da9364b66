import type { Response } from 'supertest';
import type { JsonObject } from '@app/common';

/** Asserts the success envelope of docs/api.md and answers its data. */
export function okData<T = JsonObject>(res: Response): T {
  expect(res.body).toMatchObject({ code: '0000', msg: '' });
  expect(res.body).toHaveProperty('data');
  return res.body.data as T;
}

/**
 * Asserts the error envelope of docs/api.md: HTTP status, machine code, a human message, no
 * data, and the request id that was echoed in X-Request-ID.
 */
export function expectError(res: Response, status: number, error: string): void {
  expect({ status: res.status, body: res.body }).toMatchObject({
    status,
    body: { code: '5001', data: null, error },
  });
  expect(typeof res.body.msg).toBe('string');
  expect(res.body.msg.length).toBeGreaterThan(0);
  expect(res.body.request_id).toBe(res.headers['x-request-id']);
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .+\(.+:\d+:\d+\)|SELECT |INSERT |UPDATE /);
}

/** The fields a VALIDATION_FAILED answer lists in `details`. */
export function invalidFields(res: Response): string[] {
  expectError(res, 400, 'VALIDATION_FAILED');
  const details = res.body.details as Array<{ field: string; errors: string[] }>;
  expect(Array.isArray(details)).toBe(true);
  for (const detail of details) expect(detail.errors.length).toBeGreaterThan(0);
  return details.map((d) => d.field).sort();
}
