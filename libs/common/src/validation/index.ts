export * from './json-schema.validator';
export * from './json-bounds';
export * from './schema-bounds';
