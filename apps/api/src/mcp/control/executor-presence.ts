import { Injectable } from '@nestjs/common';
import { ExecutorCommands } from '../../executor';

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
 * Reads executor presence for MCP. With ROBOT_MODE=executor a run needs one of the caller's
 * executors online; otherwise runs go to the robot service or the simulator and presence is
 * only informative.
 */
@Injectable()
export class ExecutorPresenceReader {
  constructor(private readonly executors: ExecutorCommands) {}

  async read(userId: string): Promise<ExecutorStatus> {
    const online = await this.executors.isOnline(userId);
    const required = this.executors.required;
    return { required, tracked: true, online, ready: !required || online };
  }
}
