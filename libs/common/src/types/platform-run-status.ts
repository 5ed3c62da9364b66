/**
 * The statuses of the platform's execution management: a managed executor's receipts and the
 * agent's control tools (astron_execution_get) speak the same vocabulary, so they share it.
 */
export const PLATFORM_RUN_STATUSES = [
  'accepted',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timeout',
  'unknown',
] as const;
export type PlatformRunStatus = (typeof PLATFORM_RUN_STATUSES)[number];
