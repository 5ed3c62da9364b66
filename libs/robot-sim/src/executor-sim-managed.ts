/** How a simulated run ends, decided when it starts. */
export interface ManagedPlan {
  delay_ms: number;
  /** false: succeeded with the params echoed as result; a string: failed with it. */
  fail: false | string;
  no_reply: boolean;
  /** Failed at once: the client is busy. */
  busy: boolean;
}

interface ManagedRun {
  executionId: string;
  runId: string;
  startedAt: string;
  status: 'accepted' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  finishedAt: string | null;
  result: unknown;
  error: string | null;
  timer?: NodeJS.Timeout;
}

/** Sends a receipt: as the reply to a command (its frame) or unsolicited (null). */
export type ReceiptSender = (replyTo: { event_id?: string } | null, receipt: unknown) => void;

const now = () => new Date().toISOString();

/**
 * The managed protocol ("protocol 1") of a simulated engine: runs started by `start`, their
 * receipts (accepted in the reply, then running and the end pushed unsolicited), `get` and
 * `cancel`. Receipts are shaped as the platform's engines send them.
 */
export class ManagedExecutorRuns {
  private readonly runs = new Map<string, ManagedRun>();
  private sequence = 0;

  constructor(
    readonly clientId: string,
    private readonly send: ReceiptSender,
  ) {}

  capabilities(): Record<string, unknown> {
    return { protocol: 1, clientId: this.clientId, supportsCancel: true };
  }

  /** Starts a run once (a second start of one execution answers its receipt). */
  start(frame: { event_id?: string }, executionId: string, params: unknown, plan: ManagedPlan) {
    const known = this.runs.get(executionId);
    if (known) {
      this.send(frame, this.receipt(known));
      return;
    }
    const run: ManagedRun = {
      executionId,
      runId: `run-${++this.sequence}`,
      startedAt: now(),
      status: 'accepted',
      finishedAt: null,
      result: null,
      error: null,
    };
    this.runs.set(executionId, run);
    if (plan.busy) {
      this.finish(run, 'failed', null, 'CLIENT_BUSY', frame);
      return;
    }
    if (plan.no_reply) return;
    this.send(frame, this.receipt(run));
    run.status = 'running';
    this.send(null, this.receipt(run));
    run.timer = setTimeout(() => {
      if (plan.fail === false) this.finish(run, 'succeeded', params, null, null);
      else this.finish(run, 'failed', null, plan.fail, null);
    }, plan.delay_ms);
  }

  get(frame: { event_id?: string }, executionId: string): void {
    const run = this.runs.get(executionId);
    this.send(frame, run ? this.receipt(run) : { error: 'EXECUTION_NOT_FOUND' });
  }

  cancel(frame: { event_id?: string }, executionId: string): boolean {
    const run = this.runs.get(executionId);
    if (!run) {
      this.send(frame, { error: 'EXECUTION_NOT_FOUND' });
      return false;
    }
    if (run.status === 'accepted' || run.status === 'running') {
      clearTimeout(run.timer);
      this.finish(run, 'cancelled', null, null, frame);
    } else {
      this.send(frame, this.receipt(run));
    }
    return true;
  }

  /** Pushes the current receipt of every run again (after a reconnect). */
  resend(): void {
    for (const run of this.runs.values()) this.send(null, this.receipt(run));
  }

  private finish(
    run: ManagedRun,
    status: ManagedRun['status'],
    result: unknown,
    error: string | null,
    replyTo: { event_id?: string } | null,
  ): void {
    Object.assign(run, { status, result, error, finishedAt: now() });
    this.send(replyTo, this.receipt(run));
  }

  private receipt(run: ManagedRun): Record<string, unknown> {
    const launched =
      run.status !== 'accepted' && !(run.status === 'failed' && run.error === 'CLIENT_BUSY');
    return {
      protocol: 1,
      executionId: run.executionId,
      clientId: this.clientId,
      runId: launched ? run.runId : null,
      status: run.status,
      startedAt: launched ? run.startedAt : null,
      finishedAt: run.finishedAt,
      result: run.result,
      error: run.error,
      supportsCancel: true,
    };
  }
}
