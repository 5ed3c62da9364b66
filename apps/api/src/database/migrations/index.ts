import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { WebhooksAndSchedules1764100000000 } from './1764100000000-webhooks-and-schedules';

/** Every migration, in order; listed explicitly so the bundled build finds them. */
export const MIGRATIONS = [InitialSchema1763900000000, WebhooksAndSchedules1764100000000];
