// The API documentation's public entry point.
export * from './docs.module';
