import { CronExpressionParser } from 'cron-parser';

/**
 * Cron and time zone rules of schedules (docs/webhooks.md): 5 fields (minute hour day-of-month month
 * day-of-week), or 6 with seconds first; an IANA time zone. The same parser (cron-parser, which
 * BullMQ uses to compute ticks) validates, so what is accepted here is what runs.
 */

export class ScheduleRuleError extends Error {
  constructor(
    readonly field: 'cron' | 'timezone',
    message: string,
  ) {
    super(message);
  }
}

/** The canonical zone name, e.g. "europe/berlin" → "Europe/Berlin". */
export function normaliseTimezone(raw: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    throw new ScheduleRuleError('timezone', `timezone "${raw}" is not an IANA time zone`);
  }
}

/** The expression with single spaces; throws when it is not 5 or 6 valid fields. */
export function normaliseCron(raw: string, timezone: string): string {
  const fields = raw.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new ScheduleRuleError(
      'cron',
      'cron must have 5 fields (minute hour day month weekday) or 6 with seconds first',
    );
  }
  const cron = fields.join(' ');
  try {
    CronExpressionParser.parse(cron, { tz: timezone }).next();
  } catch (err) {
    throw new ScheduleRuleError(
      'cron',
      `cron "${cron}" is invalid: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return cron;
}

/** The next `count` fire times after `from`. */
export function nextRuns(cron: string, timezone: string, count: number, from = new Date()): Date[] {
  const expression = CronExpressionParser.parse(cron, { tz: timezone, currentDate: from });
  const runs: Date[] = [];
  for (let i = 0; i < count && expression.hasNext(); i++) runs.push(expression.next().toDate());
  return runs;
}

/** The shortest gap between the next few fire times (how often the schedule may start runs). */
export function shortestGapMs(cron: string, timezone: string, from = new Date()): number {
  const runs = nextRuns(cron, timezone, 20, from);
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) {
    gap = Math.min(gap, runs[i].getTime() - runs[i - 1].getTime());
  }
  return gap;
}
