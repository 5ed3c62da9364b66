/**
 * The robot client of ROBOT_MODE=executor (a user's executor over /ws), or null in the other
 * modes. The executor feature provides it (ExecutorRobotModule): it implements RobotClient, so
 * it depends on execution, and execution/robot picks it up by this token without importing it.
 */
export const EXECUTOR_ROBOT = Symbol('EXECUTOR_ROBOT');
