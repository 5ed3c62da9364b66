import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import {
  ExecutionCompletedEvent,
  ExecutionEvent,
  ExecutionEventType,
  ExecutionLogEvent,
  ExecutionProgressEvent,
  publicEvent,
} from './execution.events';
import { ExecutionEvents, parseExecutionEvent } from './execution-event.factory';
import { parseEventMessage } from './execution-event.log';

const TS = '2026-01-02T03:04:05.678Z';

const execution = (patch: Partial<ExecutionEntity> = {}): ExecutionEntity =>
  Object.assign(new ExecutionEntity(), {
    id: 'ex1',
    project_id: 'p1',
    user_id: 'u1',
    status: ExecutionStatus.Running,
    // MySQL answers DECIMAL columns as strings.
    progress: '42.50' as unknown as number,
    result: { data: { a: 1 } },
    error: 'boom',
    callback_url: 'http://cb.example',
    ...patch,
  });

/** The JSON a constructor's event is published as, with a fixed time. */
const wire = (event: ExecutionEvent): string => JSON.stringify({ ...event, ts: TS });

const envelope = (type: string, status = 'RUNNING', progress = 42.5) =>
  `{"type":"${type}","execution_id":"ex1","project_id":"p1","user_id":"u1",` +
  `"status":"${status}","progress":${progress},"ts":"${TS}"`;

describe('ExecutionEvents', () => {
  // The payloads byte for byte as the events were published before they had kinds.
  it('should build each kind with exactly the fields it was always published with', () => {
    const run = execution();
    expect(wire(ExecutionEvents.created(run))).toBe(`${envelope('execution.created')}}`);
    expect(wire(ExecutionEvents.started(run))).toBe(`${envelope('execution.started')}}`);
    expect(wire(ExecutionEvents.progress(run, 60))).toBe(
      `${envelope('execution.progress', 'RUNNING', 60)}}`,
    );
    expect(wire(ExecutionEvents.log(run, { seq: 1, level: 'info', message: 'hi' }))).toBe(
      `${envelope('execution.log')},"log":{"seq":1,"level":"info","message":"hi"}}`,
    );
    expect(wire(ExecutionEvents.completed(run))).toBe(
      `${envelope('execution.completed')},"result":{"data":{"a":1}},"has_callback":true}`,
    );
    expect(wire(ExecutionEvents.failed(run))).toBe(
      `${envelope('execution.failed')},"error":"boom","has_callback":true}`,
    );
    expect(wire(ExecutionEvents.cancelled(run))).toBe(
      `${envelope('execution.cancelled')},"error":"boom","has_callback":true}`,
    );
  });

  it('should announce progress and log lines as RUNNING, whatever the row held', () => {
    const pending = execution({ status: ExecutionStatus.Pending });
    expect(ExecutionEvents.progress(pending, 10).status).toBe(ExecutionStatus.Running);
    expect(ExecutionEvents.log(pending, { seq: 2, level: 'warn', message: 'x' }).status).toBe(
      ExecutionStatus.Running,
    );
  });

  it('should mark a final event as having a callback only when the run has one', () => {
    const run = execution({ callback_url: null, status: ExecutionStatus.Failed });
    expect(wire(ExecutionEvents.failed(run))).toBe(
      `${envelope('execution.failed', 'FAILED')},"error":"boom"}`,
    );
    expect(ExecutionEvents.completed(run)).not.toHaveProperty('has_callback');
  });

  it('should keep only the three fields of a log line', () => {
    const row = { execution_id: 'ex1', seq: 3, level: 'info', message: 'm' };
    expect(ExecutionEvents.log(execution(), row).log).toStrictEqual({
      seq: 3,
      level: 'info',
      message: 'm',
    });
  });

  it('should build the final event of each final type', () => {
    const run = execution();
    for (const type of [
      ExecutionEventType.Completed,
      ExecutionEventType.Failed,
      ExecutionEventType.Cancelled,
    ] as const) {
      expect(ExecutionEvents.ended(run, type).type).toBe(type);
    }
  });

  it('should not compile events with fields of another kind or without their own', () => {
    const base = {
      execution_id: 'ex1',
      project_id: 'p1',
      user_id: 'u1',
      status: ExecutionStatus.Running,
      progress: 1,
      ts: TS,
    };
    // @ts-expect-error a log event carries its line
    const noLine: ExecutionLogEvent = { ...base, type: ExecutionEventType.Log };
    const progressWithResult: ExecutionProgressEvent = {
      ...base,
      type: ExecutionEventType.Progress,
      // @ts-expect-error only a completed event carries a result
      result: null,
    };
    const completedWithError: ExecutionCompletedEvent = {
      ...base,
      type: ExecutionEventType.Completed,
      result: null,
      // @ts-expect-error a completed event carries no error
      error: 'x',
    };
    expect([noLine, progressWithResult, completedWithError]).toHaveLength(3);
  });
});

describe(parseExecutionEvent.name, () => {
  const ID = '1700000000000-0';

  it('should read back every kind byte for byte, with its id last', () => {
    const run = execution();
    const trace = { traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01' };
    for (const event of [
      ExecutionEvents.created(run),
      ExecutionEvents.started(run),
      ExecutionEvents.progress(run, 70),
      ExecutionEvents.log(run, { seq: 1, level: 'info', message: 'hi' }),
      ExecutionEvents.completed(run),
      ExecutionEvents.failed(execution({ callback_url: null })),
      { ...ExecutionEvents.cancelled(run), trace },
    ]) {
      const json = JSON.stringify(event);
      const parsed = parseEventMessage(`${ID} ${json}`);
      expect(JSON.stringify(parsed)).toBe(`${json.slice(0, -1)},"id":"${ID}"}`);
    }
  });

  it('should drop an event without the fields of its kind', () => {
    const run = execution();
    const { log: _line, ...lineless } = ExecutionEvents.log(run, {
      seq: 1,
      level: 'info',
      message: 'hi',
    });
    const { result: _result, ...resultless } = ExecutionEvents.completed(run);
    const { error: _error, ...errorless } = ExecutionEvents.failed(run);
    expect(parseExecutionEvent(lineless, ID)).toBeNull();
    expect(parseExecutionEvent(resultless, ID)).toBeNull();
    expect(parseExecutionEvent(errorless, ID)).toBeNull();
    expect(
      parseExecutionEvent({ ...ExecutionEvents.log(run, lineOf('x')), log: { seq: '1' } }, ID),
    ).toBeNull();
  });

  it('should drop an event with an unknown type, status or a malformed envelope', () => {
    const created = ExecutionEvents.created(execution());
    expect(parseExecutionEvent({ ...created, type: 'execution.paused' }, ID)).toBeNull();
    expect(parseExecutionEvent({ ...created, status: 'SLEEPING' }, ID)).toBeNull();
    expect(parseExecutionEvent({ ...created, progress: null }, ID)).toBeNull();
    expect(parseExecutionEvent({ ...created, execution_id: 7 }, ID)).toBeNull();
    expect(parseExecutionEvent([created], ID)).toBeNull();
    expect(parseExecutionEvent('execution.created', ID)).toBeNull();
    expect(parseEventMessage(`${ID} {not json`)).toBeNull();
    expect(parseEventMessage(`not-an-id ${JSON.stringify(created)}`)).toBeNull();
    expect(parseEventMessage(JSON.stringify(created))).toBeNull();
  });

  it('should leave out fields its kind does not carry, and an unreadable trace', () => {
    const progress = ExecutionEvents.progress(execution(), 5);
    const parsed = parseExecutionEvent(
      { ...progress, result: {}, has_callback: true, trace: 'x', extra: 1 },
      ID,
    );
    expect(parsed).toStrictEqual({ ...progress, id: ID });
  });
});

describe(publicEvent.name, () => {
  it('should hide the routing fields and keep the rest in order', () => {
    const event = {
      ...ExecutionEvents.completed(execution()),
      trace: { traceparent: 't' },
      id: '1-0',
    };
    expect(JSON.stringify({ ...publicEvent(event), ts: TS })).toBe(
      `{"type":"execution.completed","execution_id":"ex1","project_id":"p1",` +
        `"status":"RUNNING","progress":42.5,"ts":"${TS}","result":{"data":{"a":1}},"id":"1-0"}`,
    );
  });
});

function lineOf(message: string) {
  return { seq: 1, level: 'info', message };
}
