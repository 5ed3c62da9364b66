export * from './database.options';
