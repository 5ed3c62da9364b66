export * from './http-tracing';
export * from './trace-context';
export * from './tracing.module';
export * from './tracing.service';
