// The limits' public entry point: start budgets and SSE stream caps.
export * from './limits.module';
export * from './sse-streams';
export * from './start-budget';
