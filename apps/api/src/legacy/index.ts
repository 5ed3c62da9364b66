// The legacy surface's public entry point: its routes and the one-off importer.
export * from './import-legacy.command';
export * from './legacy.module';
