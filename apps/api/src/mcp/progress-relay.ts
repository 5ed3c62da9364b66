import { Observable, Subscription } from 'rxjs';
import { ExecutionEvent, ExecutionEventType } from '../execution';

/** Events of the caller kept while the execution id is not known yet. */
const MAX_EARLY_EVENTS = 200;

export type ProgressSink = (progress: number, message: string) => Promise<void>;

/**
 * Turns one execution's events into MCP progress notifications (value 0-100, total 100),
 * sent one after another in event order, each value higher than the last as the protocol
 * requires. It listens before the execution is started, keeping the caller's events until
 * `follow(id)` names the one to relay, so an early `started` or progress event is not lost.
 */
export class ProgressRelay {
  private executionId?: string;
  private early: ExecutionEvent[] = [];
  private last = -1;
  private chain: Promise<void> = Promise.resolve();
  private readonly subscription: Subscription;

  constructor(
    events$: Observable<ExecutionEvent>,
    private readonly userId: string,
    private readonly sink: ProgressSink,
  ) {
    this.subscription = events$.subscribe((event) => this.onEvent(event));
  }

  follow(executionId: string): void {
    this.executionId = executionId;
    const early = this.early;
    this.early = [];
    for (const event of early) if (event.execution_id === executionId) this.relay(event);
  }

  /** Stops listening; resolves once every notification already due has been sent. */
  async close(): Promise<void> {
    this.subscription.unsubscribe();
    this.early = [];
    await this.chain;
  }

  private onEvent(event: ExecutionEvent): void {
    if (event.user_id !== this.userId) return;
    if (this.executionId === undefined) {
      if (this.early.length < MAX_EARLY_EVENTS) this.early.push(event);
      return;
    }
    if (event.execution_id === this.executionId) this.relay(event);
  }

  private relay(event: ExecutionEvent): void {
    const progress = Math.min(100, Math.max(0, Math.round(reportedProgress(event) || 0)));
    if (progress <= this.last) return;
    this.last = progress;
    const message = `Execution ${event.status} (${progress}%)`;
    // A client gone or a failed write must not break the call; later ones may still pass.
    this.chain = this.chain.then(() => this.sink(progress, message)).catch(() => undefined);
  }
}

/** A completed run reports 100 whatever its last progress event said. */
function reportedProgress(event: ExecutionEvent): number {
  switch (event.type) {
    case ExecutionEventType.Completed:
      return 100;
    default:
      return event.progress;
  }
}
