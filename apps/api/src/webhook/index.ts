// The webhook feature's public entry point.
export * from './entities/webhook-callback-secret.entity';
export * from './entities/webhook-delivery-attempt.entity';
export * from './entities/webhook-delivery.entity';
export * from './entities/webhook.entity';
export * from './webhook.module';
