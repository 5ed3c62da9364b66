export * from './redis.module';
export * from './redis.service';
export * from './redis-deadline';
