import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { ExecutionEndTimeIndex1763900000001 } from './1763900000001-execution-end-time-index';
import { WebhooksAndSchedules1764100000000 } from './1764100000000-webhooks-and-schedules';
import { LegacyApiKeys1764200000000 } from './1764200000000-legacy-api-keys';

/** Every migration, in order; listed explicitly so the bundled build finds them. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  ExecutionEndTimeIndex1763900000001,
  WebhooksAndSchedules1764100000000,
  LegacyApiKeys1764200000000,
];
