// The process lifecycle's public entry point.
export * from './graceful-shutdown.service';
export * from './lifecycle.module';
