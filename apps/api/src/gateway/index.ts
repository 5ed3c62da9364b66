// The Socket.IO gateway's public entry point.
export * from './gateway.module';
export * from './redis-io.adapter';
