// The execution feature's public entry point: other features import from here only.
export * from './dto/execution-query.dto';
export * from './dto/execution.response';
export * from './dto/start-execution.dto';
export * from './entities/execution-log.entity';
export * from './entities/execution.entity';
export * from './execution.constants';
export * from './execution.events';
export * from './execution-event-bus.service';
export * from './execution-reconciler.service';
export * from './execution-retention.service';
export * from './execution.module';
export * from './execution.queue';
export * from './execution.service';
export * from './robot/executor-robot.token';
export * from './robot/robot-client';
export * from './robot/robot.module';
