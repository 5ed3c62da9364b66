// The admin feature's public entry point.
export * from './admin-audit';
export * from './admin.module';
