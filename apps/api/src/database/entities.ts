import { ApiKeyEntity } from '../api-key/entities/api-key.entity';
import { ExecutionLogEntity } from '../execution/entities/execution-log.entity';
import { ExecutionEntity } from '../execution/entities/execution.entity';
import { WorkflowEntity } from '../workflow/entities/workflow.entity';

export const ENTITIES = [WorkflowEntity, ExecutionEntity, ExecutionLogEntity, ApiKeyEntity];
