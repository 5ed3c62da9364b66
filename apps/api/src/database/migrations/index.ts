import { InitialSchema1763900000000 } from './1763900000000-initial-schema';

/** Every migration, in order; listed explicitly so the bundled build finds them. */
export const MIGRATIONS = [InitialSchema1763900000000];
