import { ERROR_STATUS, ErrorCode } from './error-codes';

export interface FieldError {
  field: string;
  errors: string[];
}

/** A domain error: services throw it, the global filter turns it into the envelope. */
export class AppException extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppException';
    this.status = ERROR_STATUS[code];
  }

  static validation(details: FieldError[]): AppException {
    const summary = details.map((d) => `${d.field}: ${d.errors.join(', ')}`).join('; ');
    return new AppException('VALIDATION_FAILED', `Validation failed: ${summary}`, details);
  }
}
