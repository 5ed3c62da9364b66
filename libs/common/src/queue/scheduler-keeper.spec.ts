import type { Mock } from 'vitest';
import { InProcessRedis } from '../redis/redis.fake';
import { OnEvent, OnEventMetadata } from '@nestjs/event-emitter';
import type { AppConfig } from '../config';
import { APP_SHUTDOWN_EVENT } from '../lifecycle/shutdown';
import { KeptScheduler, SchedulerKeeper } from './scheduler-keeper';

describe(SchedulerKeeper.name, () => {
  const EVERY_MS = 10_000;
  let redis: InProcessRedis;
  let logger: { log: Mock<(message: string) => void>; warn: Mock<(message: string) => void> };
  let ensure: Mock<() => Promise<boolean>>;
  let sut: SchedulerKeeper;

  beforeEach(() => {
    vi.useFakeTimers();
    redis = new InProcessRedis();
    logger = { log: vi.fn(), warn: vi.fn() };
    ensure = vi.fn(async () => false);
    sut = new SchedulerKeeper('the pruning', ensure, logger);
  });
  afterEach(async () => {
    await sut.stop();
    vi.useRealTimers();
  });

  it('should ensure the scheduler at start and again every interval', async () => {
    sut.start(EVERY_MS, redis.asService);
    await vi.advanceTimersByTimeAsync(0);
    expect(ensure).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(EVERY_MS * 2);

    expect(ensure).toHaveBeenCalledTimes(3);
    expect(logger.log).not.toHaveBeenCalled();
  });

  it('should log when a pass had to create the scheduler again', async () => {
    ensure.mockResolvedValueOnce(true);

    sut.start(EVERY_MS, redis.asService);
    await vi.advanceTimersByTimeAsync(0);

    expect(logger.log).toHaveBeenCalledWith('Job scheduler of the pruning created');
  });

  it('should ensure it as soon as Redis answers after a start while it was away', async () => {
    ensure.mockRejectedValueOnce(new Error('Redis is unavailable (reading the pruning)'));
    sut.start(EVERY_MS, redis.asService);
    await vi.advanceTimersByTimeAsync(0);
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not schedule the pruning: Redis is unavailable (reading the pruning)',
    );
    ensure.mockResolvedValueOnce(true);

    for (const listener of redis.resubscribeListeners) listener();
    await vi.advanceTimersByTimeAsync(0);

    expect(ensure).toHaveBeenCalledTimes(2);
    expect(logger.log).toHaveBeenCalledWith('Job scheduler of the pruning created');
  });

  it('should never run two passes at once', async () => {
    let finish: (created: boolean) => void = () => undefined;
    ensure.mockImplementationOnce(() => new Promise<boolean>((resolve) => (finish = resolve)));
    sut.start(EVERY_MS, redis.asService);

    await vi.advanceTimersByTimeAsync(EVERY_MS * 3);
    for (const listener of redis.resubscribeListeners) listener();
    expect(ensure).toHaveBeenCalledTimes(1);

    finish(false);
    await vi.advanceTimersByTimeAsync(EVERY_MS);
    expect(ensure).toHaveBeenCalledTimes(2);
  });

  it('should stop its timer and listener, waiting for the pass in flight', async () => {
    let finish: (created: boolean) => void = () => undefined;
    ensure.mockImplementationOnce(() => new Promise<boolean>((resolve) => (finish = resolve)));
    sut.start(EVERY_MS, redis.asService);
    let stopped = false;

    const stopping = sut.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish(false);
    await stopping;

    await vi.advanceTimersByTimeAsync(EVERY_MS * 3);
    for (const listener of redis.resubscribeListeners) listener();
    expect(ensure).toHaveBeenCalledTimes(1);
    expect(redis.resubscribeListeners).toEqual([]);
  });
});

describe(KeptScheduler.name, () => {
  class KeptForTest extends KeptScheduler {
    readonly ensured = vi.fn(async () => false);
    constructor(redis: InProcessRedis) {
      super('the test scheduler', redis.asService, {
        schedules: { resyncMs: 10_000 },
      } as AppConfig);
    }
    protected ensure(): Promise<boolean> {
      return this.ensured();
    }
  }
  let redis: InProcessRedis;
  let sut: KeptForTest;

  beforeEach(() => {
    vi.useFakeTimers();
    redis = new InProcessRedis();
    sut = new KeptForTest(redis);
  });
  afterEach(async () => {
    await sut.stop();
    vi.useRealTimers();
  });

  it('should keep the scheduler from bootstrap, through the subclass, until stopped', async () => {
    sut.onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sut.ensured).toHaveBeenCalledTimes(2);

    await sut.stop();
    await vi.advanceTimersByTimeAsync(30_000);

    expect(sut.ensured).toHaveBeenCalledTimes(2);
  });

  // Nest finds listeners along the prototype chain: a subclass stops at the shutdown event.
  it('should stop on the shutdown event, as seen from a subclass', () => {
    const key = (OnEvent(APP_SHUTDOWN_EVENT) as { KEY?: string }).KEY ?? '';
    const listeners = Reflect.getMetadata(
      key,
      Object.getPrototypeOf(sut).stop,
    ) as OnEventMetadata[];

    expect(listeners.map((l) => l.event)).toEqual([APP_SHUTDOWN_EVENT]);
  });
});
