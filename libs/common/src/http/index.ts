export * from './api-envelope.decorator';
export * from './page.dto';
export * from './sse';
export * from './transforms';
export * from './body-guards';
