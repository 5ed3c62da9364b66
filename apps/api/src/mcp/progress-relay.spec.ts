import { Subject } from 'rxjs';
import { ExecutionEvent, ExecutionEventType, ExecutionStatus } from '../execution';
import { ProgressRelay } from './progress-relay';

const event = (
  execution_id: string,
  type:
    | typeof ExecutionEventType.Started
    | typeof ExecutionEventType.Progress
    | typeof ExecutionEventType.Completed,
  progress: number,
  user_id = 'alice',
): ExecutionEvent => {
  const base = { execution_id, project_id: 'p', user_id, progress, ts: new Date().toISOString() };
  return type === ExecutionEventType.Completed
    ? { ...base, type, status: ExecutionStatus.Completed, result: null }
    : { ...base, type, status: ExecutionStatus.Running };
};

describe(ProgressRelay.name, () => {
  let events: Subject<ExecutionEvent>;
  let sent: Array<[number, string]>;
  let sut: ProgressRelay;
  beforeEach(() => {
    events = new Subject();
    sent = [];
    sut = new ProgressRelay(events, 'alice', async (progress, message) => {
      sent.push([progress, message]);
    });
  });

  it('should relay the followed execution only, in order, each value higher than the last', async () => {
    sut.follow('e1');
    events.next(event('e1', ExecutionEventType.Started, 0));
    events.next(event('e2', ExecutionEventType.Progress, 50));
    events.next(event('e1', ExecutionEventType.Progress, 25));
    events.next(event('e1', ExecutionEventType.Progress, 25));
    events.next(event('e1', ExecutionEventType.Progress, 10));
    events.next(event('e1', ExecutionEventType.Progress, 75));
    events.next(event('e1', ExecutionEventType.Completed, 75));
    await sut.close();

    expect(sent).toEqual([
      [0, 'Execution RUNNING (0%)'],
      [25, 'Execution RUNNING (25%)'],
      [75, 'Execution RUNNING (75%)'],
      [100, 'Execution COMPLETED (100%)'],
    ]);
  });

  it("should keep the caller's events that came before the execution id was known", async () => {
    events.next(event('e1', ExecutionEventType.Started, 0));
    events.next(event('e1', ExecutionEventType.Progress, 50, 'bob'));
    events.next(event('e1', ExecutionEventType.Progress, 40));
    events.next(event('e9', ExecutionEventType.Progress, 60));
    sut.follow('e1');
    events.next(event('e1', ExecutionEventType.Progress, 80));
    await sut.close();

    expect(sent.map(([p]) => p)).toEqual([0, 40, 80]);
  });

  it('should wait for notifications in flight on close, and survive failing ones', async () => {
    const slow: number[] = [];
    let calls = 0;
    sut = new ProgressRelay(events, 'alice', async (progress) => {
      calls++;
      if (calls === 1) throw new Error('client gone');
      await new Promise((resolve) => setTimeout(resolve, 20));
      slow.push(progress);
    });
    sut.follow('e1');
    events.next(event('e1', ExecutionEventType.Progress, 10));
    events.next(event('e1', ExecutionEventType.Progress, 20));
    events.next(event('e1', ExecutionEventType.Progress, 30));
    await sut.close();
    events.next(event('e1', ExecutionEventType.Progress, 40));

    expect(slow).toEqual([20, 30]);
  });
});
