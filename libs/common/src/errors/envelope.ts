import { ENVELOPE_ERROR, ENVELOPE_OK, ErrorCode } from './error-codes';
import { FieldError } from './app.exception';

export interface SuccessEnvelope<T> {
  code: typeof ENVELOPE_OK;
  msg: string;
  data: T;
}

export interface ErrorEnvelope {
  code: typeof ENVELOPE_ERROR;
  msg: string;
  data: null;
  error: ErrorCode;
  request_id: string;
  details?: FieldError[];
}

export const ok = <T>(data: T): SuccessEnvelope<T> => ({ code: ENVELOPE_OK, msg: '', data });

/**
 * A handler's answer with its own envelope code: the legacy routes answer some outcomes that
 * are not errors with code `5001` and data (e.g. "no executor online": `data: false`).
 */
export class EnvelopeAnswer<T = unknown> {
  constructor(
    readonly code: typeof ENVELOPE_OK | typeof ENVELOPE_ERROR,
    readonly msg: string,
    readonly data: T,
  ) {}
}
