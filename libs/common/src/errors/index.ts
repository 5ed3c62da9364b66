export * from './all-exceptions.filter';
export * from './app.exception';
export * from './envelope';
export * from './envelope.interceptor';
export * from './error-codes';
export * from './legacy';
export * from './validation';
