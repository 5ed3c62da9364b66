import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { EXECUTION_QUEUE } from '../../apps/api/src/execution/execution.constants';

/**
 * The app's BullMQ handle of the executions queue, for specs that observe or stage queue
 * state directly (the application itself reaches it only through ExecutionQueue).
 */
export function executionJobs(app: INestApplicationContext): Queue {
  return app.get<Queue>(getQueueToken(EXECUTION_QUEUE));
}
