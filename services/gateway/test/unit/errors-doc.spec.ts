import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayErrorCode } from '../../src/gateway.errors.js';

const errorsDoc = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../docs/errors.md');

describe('gateway error codes', () => {
  it('gateway errors - every code is documented in docs/errors.md', () => {
    const doc = readFileSync(errorsDoc, 'utf8');
    for (const code of Object.values(GatewayErrorCode))
      assert.match(doc, new RegExp(`^\\| ${code}\\s+\\|`, 'm'), `${code} missing from docs/errors.md`);
  });
});
