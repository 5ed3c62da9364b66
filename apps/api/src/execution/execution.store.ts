// The runner's name for ExecutionRepository while the runner is being reworked on another
// branch; the runner switches to ExecutionRepository when that work lands, and this file goes.
export { ExecutionRepository as ExecutionStore } from './execution.repository';
