import {
  ScheduleRuleError,
  nextRuns,
  normaliseCron,
  normaliseTimezone,
  shortestGapMs,
} from './cron';

describe('schedule rules', () => {
  it('should accept 5 fields, or 6 with seconds first, normalising spaces', () => {
    expect(normaliseCron('  0   9 * * 1-5 ', 'UTC')).toBe('0 9 * * 1-5');
    expect(normaliseCron('*/10 * * * * *', 'UTC')).toBe('*/10 * * * * *');
  });

  it.each(['* * * *', '* * * * * * *', '61 * * * *', '0 0 31 2 *', 'a b c d e', '@daily', ''])(
    'should refuse the cron %j',
    (cron) => {
      expect(() => normaliseCron(cron, 'UTC')).toThrow(ScheduleRuleError);
    },
  );

  it('should canonicalise IANA zones and refuse unknown ones', () => {
    expect(normaliseTimezone('europe/berlin')).toBe('Europe/Berlin');
    expect(normaliseTimezone('UTC')).toBe('UTC');
    expect(() => normaliseTimezone('Mars/Olympus_Mons')).toThrow(ScheduleRuleError);
  });

  it('should compute fire times in the schedule zone', () => {
    const from = new Date('2026-01-14T12:00:00Z');
    const [sut] = nextRuns('0 9 * * *', 'Asia/Tokyo', 1, from);
    expect(sut.toISOString()).toBe('2026-01-15T00:00:00.000Z');
    const [berlin] = nextRuns('0 9 * * *', 'Europe/Berlin', 1, from);
    expect(berlin.toISOString()).toBe('2026-01-15T08:00:00.000Z');
  });

  it('should measure the shortest gap between fire times', () => {
    expect(shortestGapMs('* * * * * *', 'UTC')).toBe(1000);
    expect(shortestGapMs('*/5 * * * *', 'UTC')).toBe(300_000);
    expect(shortestGapMs('0,1 * * * * *', 'UTC')).toBe(1000);
  });
});
