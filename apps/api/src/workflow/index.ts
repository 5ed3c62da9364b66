// The workflow feature's public entry point: other features import from here only.
export * from './dto/workflow.response';
export * from './entities/workflow.entity';
export * from './workflow.events';
export * from './workflow.module';
export * from './workflow.service';
export * from './workflow-status';
