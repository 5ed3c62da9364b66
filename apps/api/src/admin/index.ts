// The admin feature's public entry point.
export * from './admin.module';
