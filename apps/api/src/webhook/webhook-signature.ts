import { createHash, randomBytes } from 'node:crypto';

/** A new signing secret: recognisable prefix, 192 random bits. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

// Signing and checking live in @app/common: robot callbacks are checked the same way.
export { signPayload, verifySignature } from '@app/common';

/**
 * A UUID (RFC 9562 version 8) derived from a name, so every process that handles the same
 * domain event computes the same event and delivery ids.
 */
export function deterministicUuid(name: string): string {
  const bytes = createHash('sha256').update(`rpa-webhooks:${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
