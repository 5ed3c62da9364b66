export * from './auth';
export * from './config';
export * from './database';
export * from './errors';
export * from './logging';
export * from './redis';
export * from './http';
export * from './types/json';
