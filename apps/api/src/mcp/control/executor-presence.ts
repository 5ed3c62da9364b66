import { Injectable } from '@nestjs/common';

/** What `astron_integration_get` says about the caller's executor. */
export interface ExecutorStatus {
  /** Whether runs of this service go to the user's own executors (ROBOT_MODE=executor). */
  required: boolean;
  /** Whether this service tracks executor presence at all. */
  tracked: boolean;
  /** Whether one of the caller's executors is connected (false when not tracked). */
  online: boolean;
  /** Whether a run started now can be handed over. */
  ready: boolean;
}

/**
 * Reads executor presence for MCP. Runs here go to the robot service or the simulator,
 * which need no executor of the caller's own, so presence is not tracked.
 */
@Injectable()
export class ExecutorPresenceReader {
  read(_userId: string): Promise<ExecutorStatus> {
    return Promise.resolve({ required: false, tracked: false, online: false, ready: true });
  }
}
