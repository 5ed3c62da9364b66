import { AppException } from '@app/common';
import {
  PRIORITY_LEVEL_SPAN,
  QUEUE_PRIORITY_LIMIT,
  checkPriorityAllowed,
  queuePriority,
} from './start-priority';

describe(queuePriority.name, () => {
  it('should put a user’s first run of a level before another user’s second of that level', () => {
    const sut = queuePriority(5, 0);

    expect(sut).toBeLessThan(queuePriority(5, 1));
    expect(queuePriority(5, 1)).toBeLessThan(queuePriority(5, 200));
  });

  it('should keep every requested level ahead of the next, whatever the backlog', () => {
    for (let level = 1; level < 10; level++) {
      expect(queuePriority(level, 10_000_000)).toBeLessThan(queuePriority(level + 1, 0));
    }
  });

  it('should tie backlogs past the span at the end of their level', () => {
    expect(queuePriority(5, PRIORITY_LEVEL_SPAN * 3)).toBe(
      queuePriority(5, PRIORITY_LEVEL_SPAN - 1),
    );
  });

  it('should stay within BullMQ’s priorities, never 0 (which would skip the priority order)', () => {
    expect(queuePriority(1, 0)).toBeGreaterThan(0);
    expect(queuePriority(10, Number.MAX_SAFE_INTEGER)).toBeLessThanOrEqual(QUEUE_PRIORITY_LIMIT);
    expect(queuePriority(0, -5)).toBe(queuePriority(1, 0));
    expect(Number.isInteger(queuePriority(5.7, 2.5))).toBe(true);
  });
});

describe(checkPriorityAllowed.name, () => {
  it.each([undefined, 5, 6, 10])('should let any caller ask for priority %s', (priority) => {
    expect(() => checkPriorityAllowed(priority, ['execute'])).not.toThrow();
  });

  it('should let a caller with the manage scope ask for a priority above the default', () => {
    expect(() => checkPriorityAllowed(1, ['execute', 'manage'])).not.toThrow();
  });

  it.each([1, 4])('should refuse priority %s without the manage scope, saying why', (priority) => {
    const sut = () => checkPriorityAllowed(priority, ['read', 'execute']);

    expect(sut).toThrow(AppException);
    expect(sut).toThrow(
      expect.objectContaining({
        code: 'FORBIDDEN',
        status: 403,
        message: expect.stringMatching(/manage scope/),
      }),
    );
  });
});
