import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SKIP_DIRS = new Set(['node_modules', '.git', '.msec', 'web', 'test-artifacts', 'bench']);

/** Compiled test files under every package's dist/test, split into unit and integration. */
export interface TestFiles {
  unit: string[];
  integration: string[];
}

function walk(dir: string, found: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, found);
    else if ((name.endsWith('.spec.js') || name.endsWith('-spec.js')) && path.includes(`${join('dist', 'test')}`)) found.push(path);
  }
}

/** Finds compiled tests; `filter` keeps only paths containing it (e.g. `libs/rpc`). */
export function findTestFiles(root: string, filter?: string): TestFiles {
  const found: string[] = [];
  walk(root, found);
  const kept = found.filter((file) => filter === undefined || relative(root, file).includes(filter)).sort();
  return { unit: kept.filter((f) => !f.endsWith('.int-spec.js')), integration: kept.filter((f) => f.endsWith('.int-spec.js')) };
}
