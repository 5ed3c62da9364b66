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
