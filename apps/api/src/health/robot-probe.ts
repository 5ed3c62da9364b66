/** What readiness needs from the robot client: a cheap reachability check. */
export interface RobotProbe {
  ping(): Promise<void>;
}

export const ROBOT_PROBE = Symbol('ROBOT_PROBE');
