import { HttpStatus } from '@nestjs/common';

/** Machine codes of DESIGN §3 and the HTTP status each one answers on the §4 routes. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  WORKFLOW_NOT_FOUND: HttpStatus.NOT_FOUND,
  EXECUTION_NOT_FOUND: HttpStatus.NOT_FOUND,
  API_KEY_NOT_FOUND: HttpStatus.NOT_FOUND,
  WEBHOOK_NOT_FOUND: HttpStatus.NOT_FOUND,
  DELIVERY_NOT_FOUND: HttpStatus.NOT_FOUND,
  SCHEDULE_NOT_FOUND: HttpStatus.NOT_FOUND,
  WORKFLOW_INACTIVE: HttpStatus.CONFLICT,
  CONFLICT: HttpStatus.CONFLICT,
  IDEMPOTENCY_CONFLICT: HttpStatus.CONFLICT,
  METHOD_NOT_ALLOWED: HttpStatus.METHOD_NOT_ALLOWED,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
  ROBOT_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  SERVICE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Envelope codes: "0000" success, "5001" any failure (the platform's existing convention). */
export const ENVELOPE_OK = '0000';
export const ENVELOPE_ERROR = '5001';
