import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { firstValueFrom, take, toArray } from 'rxjs';
import { AppConfig, RedisService, parseConfig } from '@app/common';
import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import { EXECUTION_EVENTS_CHANNEL } from './execution.constants';
import { ExecutionEvent, ExecutionEventType } from './execution.events';
import { ExecutionEventBus } from './execution-event.bus';
import { ExecutionEvents } from './execution-event.factory';
import { ExecutionEventLog } from './execution-event.log';

/** Two processes sharing one Redis: each with its own connections and its own bus. */
describe(ExecutionEventBus.name, () => {
  const prefix = `rpatest:bus-${randomBytes(4).toString('hex')}`;
  const config = new AppConfig(
    parseConfig({ REDIS_PREFIX: prefix, API_KEY_PEPPER: 'unit-test-pepper-0123456789' }),
  );
  const executionIds: string[] = [];
  let redisA: RedisService;
  let redisB: RedisService;
  let sut: ExecutionEventBus;
  let other: ExecutionEventBus;

  const run = (): ExecutionEntity => {
    const id = `ex-${randomBytes(4).toString('hex')}`;
    executionIds.push(id);
    return Object.assign(new ExecutionEntity(), {
      id,
      project_id: 'p1',
      user_id: 'u1',
      status: ExecutionStatus.Running,
      progress: 0,
      result: null,
      error: null,
      callback_url: null,
    });
  };

  /** The next `count` events the bus receives from Redis. */
  const next = (bus: ExecutionEventBus, count: number): Promise<ExecutionEvent[]> =>
    firstValueFrom(bus.events$.pipe(take(count), toArray()));

  beforeAll(async () => {
    redisA = new RedisService(config);
    redisB = new RedisService(config);
    sut = new ExecutionEventBus(redisA, new ExecutionEventLog(redisA));
    other = new ExecutionEventBus(redisB, new ExecutionEventLog(redisB));
    await sut.onModuleInit();
    await other.onModuleInit();
  });

  afterAll(async () => {
    await sut.log.remove(executionIds);
    await sut.onApplicationShutdown();
    await other.onApplicationShutdown();
    await redisA.onApplicationShutdown();
    await redisB.onApplicationShutdown();
  });

  afterEach(() => vi.restoreAllMocks());

  it('should hand every process each event once, stored, in publish order', async () => {
    const execution = run();
    const here = next(sut, 2);
    const there = next(other, 2);
    const id = await sut.publish(ExecutionEvents.started(execution));
    await sut.publish(ExecutionEvents.progress(execution, 50));

    for (const events of [await here, await there]) {
      expect(events.map((e) => e.type)).toEqual([
        ExecutionEventType.Started,
        ExecutionEventType.Progress,
      ]);
      expect(events[0]).toMatchObject({ id, execution_id: execution.id });
    }
    expect((await sut.log.since(execution.id, '0-0')).map((e) => e.id)).toEqual([
      id,
      (await here)[1].id,
    ]);
  });

  it('should hand published-here handlers only the events this process published', async () => {
    const execution = run();
    const mine: ExecutionEvent[] = [];
    const theirs: ExecutionEvent[] = [];
    const a = sut.onPublishedHere((event) => void mine.push(event));
    const b = other.onPublishedHere((event) => void theirs.push(event));
    const arrived = next(other, 2);
    await sut.publish(ExecutionEvents.created(execution));
    await other.publish(ExecutionEvents.started(execution));
    await arrived;
    a.unsubscribe();
    b.unsubscribe();

    expect(mine.map((e) => e.type)).toEqual([ExecutionEventType.Created]);
    expect(theirs.map((e) => e.type)).toEqual([ExecutionEventType.Started]);
  });

  it('should hand a handler only the types it asked for, narrowed', async () => {
    const execution = run();
    const results: Array<unknown> = [];
    const subscription = sut.on([ExecutionEventType.Completed], (event) => {
      results.push(event.result);
    });
    const arrived = next(sut, 2);
    await sut.publish(ExecutionEvents.progress(execution, 90));
    await sut.publish(ExecutionEvents.completed({ ...execution, result: { ok: true } }));
    await arrived;
    subscription.unsubscribe();

    expect(results).toEqual([{ ok: true }]);
  });

  it('should keep other subscribers and later events going when a handler fails', async () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const execution = run();
    const seen: string[] = [];
    const throwing = sut.on(() => {
      throw new Error('sync failure');
    });
    const rejecting = sut.on(async () => {
      throw new Error('async failure');
    });
    const healthy = sut.on((event) => void seen.push(event.type));
    const streamed = next(sut, 3);

    await sut.publish(ExecutionEvents.started(execution));
    await sut.publish(ExecutionEvents.progress(execution, 10));
    await sut.publish(ExecutionEvents.failed({ ...execution, error: 'x' }));
    await streamed;
    await new Promise((resolve) => setImmediate(resolve));
    throwing.unsubscribe();
    rejecting.unsubscribe();
    healthy.unsubscribe();

    expect(seen).toEqual([
      ExecutionEventType.Started,
      ExecutionEventType.Progress,
      ExecutionEventType.Failed,
    ]);
    expect((await streamed).map((e) => e.type)).toEqual(seen);
    const handlerFailures = logged.mock.calls.filter(([, message]) =>
      String(message).startsWith('A handler of'),
    );
    expect(handlerFailures).toHaveLength(6);
  });

  it('should stop calling a handler once it is unsubscribed', async () => {
    const execution = run();
    const seen: string[] = [];
    const subscription = sut.on((event) => void seen.push(event.type));
    const first = next(sut, 1);
    await sut.publish(ExecutionEvents.created(execution));
    await first;
    subscription.unsubscribe();
    const second = next(sut, 1);
    await sut.publish(ExecutionEvents.started(execution));
    await second;

    expect(seen).toEqual([ExecutionEventType.Created]);
  });

  it('should drop a malformed message and deliver the next one', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const execution = run();
    const arrived = next(sut, 1);
    const { log: _line, ...lineless } = ExecutionEvents.log(execution, {
      seq: 1,
      level: 'info',
      message: 'm',
    });
    await redisA.publish(EXECUTION_EVENTS_CHANNEL, `1-0 ${JSON.stringify(lineless)}`);
    await redisA.publish(EXECUTION_EVENTS_CHANNEL, 'garbage');
    await sut.publish(ExecutionEvents.created(execution));

    expect((await arrived).map((e) => e.type)).toEqual([ExecutionEventType.Created]);
    expect(warned).toHaveBeenCalledWith('Dropped a malformed execution event');
  });

  it('should resolve a wait when the final event arrives from another process', async () => {
    const execution = run();
    let ended = false;
    const waiting = sut
      .waitForFinal(execution.id, 10_000, async () => false)
      .then(() => (ended = true));
    const progressed = next(sut, 1);
    await other.publish(ExecutionEvents.progress(execution, 5));
    await progressed;
    expect(ended).toBe(false);
    await other.publish(ExecutionEvents.cancelled({ ...execution, error: 'stop' }));
    await waiting;

    expect(ended).toBe(true);
  });
});
