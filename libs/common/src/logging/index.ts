export * from './logging.module';
export * from './redact';
export * from './request-id';
export * from './request-id.decorator';
export * from './startup-detail-logger';
