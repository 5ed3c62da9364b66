export * from './admin-audit';
export * from './auth.decorators';
export * from './auth.guard';
export * from './authenticator';
export * from './principal';
export * from './stream-tokens';
