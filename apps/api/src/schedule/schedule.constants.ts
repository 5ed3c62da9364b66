export const SCHEDULE_QUEUE = 'schedule-ticks';

export const ScheduleJob = {
  Tick: 'tick',
} as const;

export interface ScheduleJobData {
  scheduleId: string;
}

/** Each job of the schedule queue and its data (see JobOf). */
export interface ScheduleJobs {
  [ScheduleJob.Tick]: ScheduleJobData;
}

/** The idempotency key of the run a tick starts: a retried tick job finds its run. */
export const tickIdempotencyKey = (scheduleId: string, tickMillis: number): string =>
  `schedule:${scheduleId}:${tickMillis}`;

/** The `reference` of runs a schedule starts, so `GET /executions?reference=` finds them. */
export const scheduleReference = (scheduleId: string): string => `schedule:${scheduleId}`;
