export * from './json-schema.validator';
