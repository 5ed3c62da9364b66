/** Job states of a BullMQ queue as its getJobCounts names them (metrics and the admin status). */
export const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'completed',
  'failed',
  'waiting-children',
] as const;

export type QueueState = (typeof QUEUE_STATES)[number];

/** A queue's depth by state and whether it is paused globally, read in one round trip. */
export interface QueueSnapshot {
  counts: Partial<Record<QueueState, number>>;
  paused: boolean;
}

/** What /metrics needs of a queue: its name and a snapshot, never the BullMQ handle. */
export interface ObservableQueue {
  readonly name: string;
  snapshot(): Promise<QueueSnapshot>;
}
