import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { ExecutionEndTimeIndex1763900000001 } from './1763900000001-execution-end-time-index';
import { WebhooksAndSchedules1764100000000 } from './1764100000000-webhooks-and-schedules';
import { IdempotencyRequestHash1764300000000 } from './1764300000000-idempotency-request-hash';
import { ExactIdentities1764400000000 } from './1764400000000-exact-identities';
import { LegacyApiKeys1764500000000 } from './1764500000000-legacy-api-keys';
import { ExecutionsUserStatusIndex1764610000000 } from './1764610000000-executions-user-status-index';
import { ExecutionErrorCode1764700000000 } from './1764700000000-execution-error-code';

/** Every migration, in order; listed explicitly so the bundled build finds them. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  ExecutionEndTimeIndex1763900000001,
  WebhooksAndSchedules1764100000000,
  IdempotencyRequestHash1764300000000,
  ExactIdentities1764400000000,
  LegacyApiKeys1764500000000,
  ExecutionsUserStatusIndex1764610000000,
  ExecutionErrorCode1764700000000,
];
