import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const BUNDLE = 'redoc/bundles/redoc.standalone.js';

/**
 * ReDoc's standalone script, served from this origin (no CDN). In dist, the `assets` entry of
 * nest-cli.json copies it beside the bundle; from the sources (tests, `start:dev`) it is read
 * from node_modules. Undefined when neither holds it.
 */
export function readRedocBundle(): Buffer | undefined {
  const candidates = [join(__dirname, 'redoc/node_modules', BUNDLE)];
  try {
    candidates.push(require.resolve(BUNDLE));
  } catch {
    // Not installed (a production image): the copy in dist is the one.
  }
  const found = candidates.find((path) => existsSync(path));
  return found ? readFileSync(found) : undefined;
}
