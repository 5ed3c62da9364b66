import type { Job } from 'bullmq';

/**
 * A queue's jobs typed by name: given `{ deliver: DeliveryData; prune: NoJobData }`, a job
 * whose `name` has been checked carries the data of that name (a discriminated union of
 * BullMQ jobs), so a processor of several job kinds never reads one kind's data as another's.
 */
export type JobOf<Jobs> = {
  [Name in keyof Jobs & string]: Job<Jobs[Name], unknown, Name>;
}[keyof Jobs & string];

/** The data of a job that carries none (the tick of a job scheduler). */
export type NoJobData = Record<string, never>;
