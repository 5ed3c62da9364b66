/**
 * How a simulated robot task behaves. Defaults are set per simulator (POST /sim/behaviour);
 * a run's `params.__sim` overrides them for that task.
 */
export interface SimBehaviour {
  /** Time from creation to the final state. 0 completes on the first query. */
  delay_ms: number;
  /** End as FAILED instead of COMPLETED; a string becomes the error message. */
  fail: boolean | string;
  /** Never end on its own (until cancelled). */
  hang: boolean;
  /** HTTP status answered to creates (e.g. 500 or 400); 200 is normal. */
  create_status: number;
  /** With create_status, only the first N creates of a task fail, then it succeeds. */
  create_failures: number;
  /** The first N queries of a task answer 500. */
  query_failures: number;
  /** Number of progress steps reported between creation and the end. */
  progress_steps: number;
  /** Number of log lines emitted between creation and the end. */
  log_lines: number;
}

export const DEFAULT_BEHAVIOUR: SimBehaviour = {
  delay_ms: 1000,
  fail: false,
  hang: false,
  create_status: 200,
  create_failures: Number.MAX_SAFE_INTEGER,
  query_failures: 0,
  progress_steps: 0,
  log_lines: 0,
};

/**
 * Upper bounds of what a caller may ask for: more log lines or steps than these is work the
 * simulator would do in one go (a million log lines stalls its process), not a test.
 */
export const SIM_LIMITS: Record<Exclude<keyof SimBehaviour, 'fail' | 'hang'>, number> = {
  delay_ms: 24 * 3600 * 1000,
  create_status: 599,
  create_failures: Number.MAX_SAFE_INTEGER,
  query_failures: 1000,
  progress_steps: 100,
  log_lines: 1000,
};

const NUMERIC = Object.keys(SIM_LIMITS) as Array<keyof typeof SIM_LIMITS>;

/** Keeps the known, well-typed fields of an untrusted object; ignores the rest. */
export function sanitiseBehaviour(input: unknown): Partial<SimBehaviour> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return {};
  const source = input as Record<string, unknown>;
  const out: Partial<SimBehaviour> = {};
  for (const key of NUMERIC) {
    const value = source[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      (out as Record<string, number>)[key] = Math.min(Math.floor(value), SIM_LIMITS[key]);
    }
  }
  if (typeof source.fail === 'boolean') out.fail = source.fail;
  if (typeof source.fail === 'string') out.fail = source.fail.slice(0, 1000);
  if (typeof source.hang === 'boolean') out.hang = source.hang;
  return out;
}
