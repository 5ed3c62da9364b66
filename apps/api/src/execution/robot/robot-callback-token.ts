import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token in a run's callback_url: an HMAC of its owner and execution id, so a callback
 * names one run of one user and cannot be made for another without the key.
 */
export function callbackToken(key: string, userId: string, executionId: string): string {
  return createHmac('sha256', key).update(`${userId}\n${executionId}`).digest('base64url');
}

export function callbackTokenValid(
  key: string,
  userId: string,
  executionId: string,
  token: string,
): boolean {
  const expected = Buffer.from(callbackToken(key, userId, executionId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `POST {base}/v1/robot/callbacks/{executionId}?token=…` (the token name is redacted in logs). */
export function callbackUrl(
  baseUrl: string,
  key: string,
  userId: string,
  executionId: string,
): string {
  const token = callbackToken(key, userId, executionId);
  return `${baseUrl}/v1/robot/callbacks/${encodeURIComponent(executionId)}?token=${token}`;
}
