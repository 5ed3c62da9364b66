import { AppException, Scope } from '@app/common';

/** The priority of a run whose caller asked for none; 1 is the most urgent, 10 the least. */
export const DEFAULT_PRIORITY = 5;
export const LOWEST_PRIORITY = 10;

/**
 * Room of one requested priority level in the queue's priorities: a user's backlog moves its
 * newer runs back within their level, never into the next one, so a priority asked for keeps
 * its meaning across users (priority 4 of a user with thousands of runs waiting still goes
 * before anyone's priority 5). 100,000 keeps the values readable (5 → 500,000…599,999).
 */
export const PRIORITY_LEVEL_SPAN = 100_000;

/** The largest priority BullMQ accepts (2^21 - 1). */
export const QUEUE_PRIORITY_LIMIT = 2_097_151;

/**
 * The BullMQ priority of a run's job (lower goes first). `backlog` is how many runs of the same
 * user were PENDING or RUNNING when this one was started: a user's n-th run in flight sorts
 * after every other user's first n, so runs of a user with a long backlog interleave with
 * those of everybody else instead of holding them behind it (round-robin between users within
 * a level). Equal values are taken oldest first. A backlog past the span ties at its end.
 */
export function queuePriority(requested: number, backlog: number): number {
  const level = Math.min(Math.max(Math.trunc(requested), 1), LOWEST_PRIORITY);
  const rank = Math.min(Math.max(Math.trunc(backlog), 0), PRIORITY_LEVEL_SPAN - 1);
  return level * PRIORITY_LEVEL_SPAN + rank;
}

/**
 * A priority above the default jumps every other user's queue: only a caller trusted to manage
 * the account may ask for it (an API key with the `manage` scope, the trusted gateway's user).
 */
export function checkPriorityAllowed(priority: number | undefined, scopes: readonly Scope[]): void {
  if (priority === undefined || priority >= DEFAULT_PRIORITY || scopes.includes('manage')) return;
  throw new AppException(
    'FORBIDDEN',
    `Priority ${priority} is above the default (${DEFAULT_PRIORITY}): it needs an API key with ` +
      `the manage scope; leave priority out or use ${DEFAULT_PRIORITY}–${LOWEST_PRIORITY}`,
  );
}
