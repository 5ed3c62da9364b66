import { WorkflowStatus } from './entities/workflow.entity';

/**
 * Whether a workflow (or a workflow event) is active. The column is a tinyint, which some
 * drivers and JSON paths hand over as a string: compared as a number.
 */
export const isActive = (
  workflow: { status?: WorkflowStatus | number | string } | null | undefined,
): boolean => Number(workflow?.status) === WorkflowStatus.Active;
