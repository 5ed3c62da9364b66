// The database's public entry point: the connection module, the readiness probe, and the entity
// and migration lists (the legacy importer opens its own connection with them).
export * from './database.probe';
export * from './database.module';
export * from './entities';
export * from './migrations';
