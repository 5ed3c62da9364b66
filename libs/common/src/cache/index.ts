export * from './invalidating-cache';
export * from './shared-cache';
