import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KvErrorCode } from '../../src/kv-admin.errors.js';

const kvDoc = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../docs/kv.md');

test('kv errors - every code is documented in docs/kv.md', () => {
  const doc = readFileSync(kvDoc, 'utf8');
  for (const code of Object.values(KvErrorCode))
    assert.match(doc, new RegExp(`^\\| ${code}\\s+\\|`, 'm'), `${code} missing from docs/kv.md`);
});
