import { AppConfig, parseConfig } from '@app/common';
import { ExecutionStatus } from './entities/execution.entity';
import { ExecutionEventLog } from './execution-event.log';
import { ExecutionRepository } from './execution.repository';
import { ExecutionRetention } from './execution.retention';

interface Row {
  id: string;
  status: ExecutionStatus;
  end_time: Date | null;
  logs: number;
}

/** The executions and their log lines in memory, with the repository's retention contract. */
class FakeExecutionRepository {
  readonly rows = new Map<string, Row>();

  async endedBefore(cutoff: Date, limit: number) {
    return [...this.rows.values()]
      .filter((r) => r.end_time !== null && r.end_time < cutoff && r.status !== 'RUNNING')
      .sort((a, b) => a.end_time!.getTime() - b.end_time!.getTime())
      .slice(0, limit)
      .map((r) => r.id);
  }
  async deleteEnded(ids: string[]) {
    let executions = 0;
    let logs = 0;
    for (const id of ids) {
      const row = this.rows.get(id);
      if (!row) continue;
      logs += row.logs;
      executions++;
      this.rows.delete(id);
    }
    return { executions, logs };
  }
}

const DAY = 24 * 3600 * 1000;
const NOW = new Date('2026-06-01T00:00:00Z');

describe(ExecutionRetention.name, () => {
  let executions: FakeExecutionRepository;
  let removedEvents: string[][];
  let sut: ExecutionRetention;

  beforeEach(() => {
    executions = new FakeExecutionRepository();
    removedEvents = [];
    const events = { remove: async (ids: string[]) => void removedEvents.push(ids) };
    const config = new AppConfig(
      parseConfig({
        API_KEY_PEPPER: 'unit-test-pepper-0123456789',
        WEBHOOK_SECRET_KEY: 'unit-test-webhook-key-0123456789',
        EXECUTION_RETENTION_DAYS: '30',
        RETENTION_BATCH_SIZE: '2',
      }),
    );
    sut = new ExecutionRetention(
      executions as unknown as ExecutionRepository,
      events as unknown as ExecutionEventLog,
      config,
    );
  });

  const add = (id: string, status: ExecutionStatus, endedDaysAgo: number | null, logs = 1) =>
    executions.rows.set(id, {
      id,
      status,
      end_time: endedDaysAgo === null ? null : new Date(NOW.getTime() - endedDaysAgo * DAY),
      logs,
    });

  it('should remove runs ended before the cutoff in batches, with their lines and events', async () => {
    add('old-1', ExecutionStatus.Completed, 40, 3);
    add('old-2', ExecutionStatus.Failed, 35, 0);
    add('old-3', ExecutionStatus.Cancelled, 31, 2);
    add('recent', ExecutionStatus.Completed, 5);
    add('running', ExecutionStatus.Running, null);

    const report = await sut.prune(NOW);

    expect(report).toEqual({
      cutoff: new Date(NOW.getTime() - 30 * DAY).toISOString(),
      executions: 3,
      logs: 5,
      batches: 2,
    });
    expect(removedEvents).toEqual([['old-1', 'old-2'], ['old-3']]);
    expect([...executions.rows.keys()]).toEqual(['recent', 'running']);
  });

  it('should touch nothing when no run ended before the cutoff', async () => {
    add('recent', ExecutionStatus.Completed, 29);

    const report = await sut.prune(NOW);

    expect(report).toMatchObject({ executions: 0, logs: 0, batches: 0 });
    expect(removedEvents).toEqual([]);
    expect(executions.rows.has('recent')).toBe(true);
  });
});
