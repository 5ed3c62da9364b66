// The API key feature's public entry point: other features import from here only.
export * from './api-key.events';
export * from './api-key.module';
export * from './api-key.service';
export * from './entities/api-key.entity';
export * from './revoked-keys';
