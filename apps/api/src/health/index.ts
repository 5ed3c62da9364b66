// The health feature's public entry point.
export * from './health.module';
