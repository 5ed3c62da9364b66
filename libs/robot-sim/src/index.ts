export * from './behaviour';
export * from './simulator';
export * from './executor-sim';
