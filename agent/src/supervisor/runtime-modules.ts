import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `node_modules` folder the agent itself resolves `@msec/sdk` from: the first one holding it on the way up
 * from `fromUrl`. Packages carry business code only and run against this runtime. Null when there is none.
 */
export function findRuntimeModules(fromUrl: string): string | null {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const candidate = join(dir, 'node_modules');
    if (existsSync(join(candidate, '@msec', 'sdk', 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
