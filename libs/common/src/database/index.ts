export * from './database.logger';
export * from './database.options';
export * from './timestamp-columns';
