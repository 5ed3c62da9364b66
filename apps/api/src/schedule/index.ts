// The schedule feature's public entry point.
export * from './entities/schedule.entity';
export * from './schedule.module';
