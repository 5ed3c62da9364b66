/** Domain events published by WorkflowService; schedules and MCP subscribe. */
export const WorkflowEvents = {
  Upserted: 'workflow.upserted',
  Deleted: 'workflow.deleted',
} as const;

export interface WorkflowChangedEvent {
  project_id: string;
  user_id: string;
  /** Current status; absent for a deletion. */
  status?: number;
}
