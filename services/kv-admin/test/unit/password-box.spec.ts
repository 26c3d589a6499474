import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PasswordBox } from '../../src/secrets/password-box.js';

describe('kv password box', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msec-test-kv-box-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('kv password box - seals with a key file made 0600 on first use, and unseals only with that key', () => {
    const keyFile = join(dir, 'secrets', 'kv-admin.key');
    const box = PasswordBox.open(keyFile);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const sealed = box.seal('p@ss word');
    assert.match(sealed, /^v1:/);
    assert.ok(!sealed.includes('p@ss'));
    assert.notEqual(box.seal('p@ss word'), sealed, 'a fresh IV each time');
    assert.equal(PasswordBox.open(keyFile).unseal(sealed), 'p@ss word');

    const otherKey = join(dir, 'other.key');
    assert.throws(
      () => PasswordBox.open(otherKey).unseal(sealed),
      (e: Error & { code?: string }) => e.code === 'KV_PASSWORD_UNREADABLE',
    );
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => box.unseal(`v1:${raw.toString('base64')}`), /cannot be decrypted/);
    assert.ok(readFileSync(keyFile, 'utf8').trim().length > 40);
  });

  it('kv password box - a key file that is not a 256-bit key stops start-up naming the key', () => {
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'short\n');
    assert.throws(
      () => PasswordBox.open(bad),
      (e: Error & { code?: string }) => e.code === 'CONFIG_INVALID' && /secretKeyFile/.test(e.message),
    );
  });
});
