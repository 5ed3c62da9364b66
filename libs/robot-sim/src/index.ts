export * from './behaviour';
export * from './simulator';
