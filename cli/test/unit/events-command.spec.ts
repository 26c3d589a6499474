import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventCatalogueMarkdown } from '@msec/contracts';

// cli/dist/test/unit/*.spec.js: the CLI's entry is cli/dist/src/main.js.
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.js');

describe('events command', () => {
  it('events command - ./msec events catalogue prints the event catalogue; a missing subcommand is named', () => {
    const out = execFileSync(process.execPath, [MAIN, 'events', 'catalogue'], { encoding: 'utf8' });
    assert.equal(out.trim(), eventCatalogueMarkdown());
    assert.throws(
      () => execFileSync(process.execPath, [MAIN, 'events'], { encoding: 'utf8', stdio: 'pipe' }),
      (e: { stderr?: string }) => /CLI_BAD_ARGS.*catalogue/.test(e.stderr ?? ''),
    );
  });
});
