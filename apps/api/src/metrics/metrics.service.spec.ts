import { HttpAdapterHost } from '@nestjs/core';
import { AppConfig, ObservableQueue, QueueSnapshot, parseConfig } from '@app/common';
import { MetricsService } from './metrics.service';

/** A queue that answers the snapshot it is given, or fails like a Redis outage. */
class FakeQueue implements ObservableQueue {
  failing = false;
  constructor(
    readonly name: string,
    public current: QueueSnapshot,
  ) {}
  async snapshot(): Promise<QueueSnapshot> {
    if (this.failing) throw new Error('Redis is unavailable');
    return this.current;
  }
}

/** The sample line of `series` carrying every one of `labels` (in any order). */
const line = (text: string, series: string, labels: string[] = []): string | undefined =>
  text
    .split('\n')
    .find((l) => l.startsWith(`${series}{`) && labels.every((label) => l.includes(label)));

describe(MetricsService.name, () => {
  let sut: MetricsService;

  beforeEach(() => {
    const config = new AppConfig(
      parseConfig({
        API_KEY_PEPPER: 'unit-test-pepper-0123456789',
        WEBHOOK_SECRET_KEY: 'unit-test-webhook-key-0123456789',
      }),
    );
    sut = new MetricsService(config, {} as HttpAdapterHost);
  });

  it('should report a tracked queue’s depth by state and its pause flag at each render', async () => {
    const queue = new FakeQueue('executions', { counts: { waiting: 3, failed: 1 }, paused: true });
    sut.trackQueue(queue);

    const text = await sut.render();

    expect(line(text, 'rpa_queue_jobs', ['queue="executions"', 'state="waiting"'])).toMatch(/ 3$/);
    expect(line(text, 'rpa_queue_jobs', ['queue="executions"', 'state="failed"'])).toMatch(/ 1$/);
    expect(line(text, 'rpa_queue_jobs', ['queue="executions"', 'state="active"'])).toMatch(/ 0$/);
    expect(line(text, 'rpa_queue_paused', ['queue="executions"'])).toMatch(/ 1$/);
  });

  it('should still render when a queue cannot be read', async () => {
    const queue = new FakeQueue('executions', { counts: {}, paused: false });
    queue.failing = true;
    sut.trackQueue(queue);

    const text = await sut.render();

    expect(line(text, 'rpa_executions_created_total')).toMatch(/ 0$/);
    expect(line(text, 'rpa_queue_paused')).toBeUndefined();
  });

  it('should start the declared robot error series at 0 and count failed calls by kind', async () => {
    sut.declareRobotSeries(['create', 'query'], ['transport', 'other']);
    sut.observeRobotCall('query', 0.01, 'transport');
    sut.observeRobotCall('create', 0.02);

    const text = await sut.render();

    expect(
      line(text, 'rpa_robot_call_errors_total', ['operation="query"', 'kind="transport"']),
    ).toMatch(/ 1$/);
    expect(
      line(text, 'rpa_robot_call_errors_total', ['operation="create"', 'kind="other"']),
    ).toMatch(/ 0$/);
    expect(
      line(text, 'rpa_robot_call_duration_seconds_count', ['operation="create"', 'outcome="ok"']),
    ).toMatch(/ 1$/);
  });
});
