export * from './database.logger';
export * from './database.options';
