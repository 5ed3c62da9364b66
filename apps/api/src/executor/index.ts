// The executor feature's public entry point: other features import from here only.
export * from './executor.events';
export * from './executor.commands';
export * from './executor.module';
export * from './executor-robot.module';
