import { SetMetadata } from '@nestjs/common';

export const LEGACY_ROUTE = 'rpa:legacy-route';
const LEGACY_FLAG = Symbol('rpa.legacy');

/**
 * Marks a route of docs/legacy.md: business errors answer HTTP 200 with code 5001, as the
 * platform's existing clients expect; auth (401) and validation (400) errors keep their status.
 */
export const LegacyRoute = () => SetMetadata(LEGACY_ROUTE, true);

export function markLegacyRequest(req: object): void {
  (req as Record<symbol, boolean>)[LEGACY_FLAG] = true;
}

export function isLegacyRequest(req: object): boolean {
  return (req as Record<symbol, boolean>)[LEGACY_FLAG] === true;
}
