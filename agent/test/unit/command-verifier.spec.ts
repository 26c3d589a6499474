import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, publicKeyId, signCommand, type CommandEnvelope } from '@msec/contracts';
import { CommandVerifier } from '../../src/commands/command-verifier.js';
import { KeyRing } from '../../src/commands/key-ring.js';
import { NonceJournal } from '../../src/commands/nonce-journal.js';
import { AgentCommandError } from '../../src/agent.errors.js';

const dir = mkdtempSync(join(tmpdir(), 'msec-verifier-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: publicKeyId(publicKey) };
}

function env(now: number, overrides: Partial<CommandEnvelope> = {}): CommandEnvelope {
  return {
    v: 1,
    hostId: 'h1',
    commandId: randomUUID(),
    issuedAt: now,
    expiresAt: now + 30_000,
    nonce: randomBytes(16).toString('hex'),
    type: 'exec',
    args: { argv: ['/bin/true'] },
    ...overrides,
  };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AgentCommandError);
    return error.code;
  }
  return 'accepted';
}

describe('command verifier', () => {
  it('canonicalJson - sorts keys at every depth and refuses non-JSON values', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } }), '{"a":{"c":null,"d":[1,"x"]},"b":1}');
    assert.throws(() => canonicalJson({ a: Number.NaN }));
    assert.throws(() => canonicalJson({ a: undefined }));
  });

  it('verifier - accepts once, then refuses replay, tampering, other hosts, expiry and unknown types', () => {
    const k = keyPair();
    const keyFile = join(dir, 'a.pub');
    writeFileSync(keyFile, k.pem);
    const state = join(dir, 'state-a');
    const verifier = new CommandVerifier('h1', new KeyRing(keyFile, state), new NonceJournal(state));
    const now = Date.now();
    const good = signCommand(env(now), k.privateKey, k.keyId);
    assert.equal(
      code(() => verifier.verify(good, now)),
      'accepted',
    );
    assert.equal(
      code(() => verifier.verify(good, now)),
      'AGENT_REPLAYED',
    );
    assert.equal(
      code(() => new CommandVerifier('h1', new KeyRing(keyFile, state), new NonceJournal(state)).verify(good, now)),
      'AGENT_REPLAYED',
    );
    const tampered = signCommand(env(now), k.privateKey, k.keyId);
    tampered.envelope.args = { argv: ['/bin/rm', '-rf', '/'] };
    assert.equal(
      code(() => verifier.verify(tampered, now)),
      'AGENT_BAD_SIGNATURE',
    );
    assert.equal(
      code(() => verifier.verify(signCommand(env(now, { hostId: 'h2' }), k.privateKey, k.keyId), now)),
      'AGENT_WRONG_HOST',
    );
    assert.equal(
      code(() => verifier.verify(signCommand(env(now - 60_000), k.privateKey, k.keyId), now)),
      'AGENT_EXPIRED',
    );
    assert.equal(
      code(() => verifier.verify(signCommand(env(now + 60_000), k.privateKey, k.keyId), now)),
      'AGENT_NOT_YET_VALID',
    );
    assert.equal(
      code(() => verifier.verify(signCommand(env(now, { type: 'nope' }), k.privateKey, k.keyId), now)),
      'AGENT_UNKNOWN_TYPE',
    );
    assert.equal(
      code(() => verifier.verify(signCommand(env(now), keyPair().privateKey, 'ffffffffffffffff'), now)),
      'AGENT_UNKNOWN_KEY',
    );
    assert.equal(
      code(() => verifier.verify({ envelope: 'x' }, now)),
      'AGENT_MALFORMED_COMMAND',
    );
  });

  it('key ring - honours validity windows of a key list file and rotation overlap', () => {
    const oldKey = keyPair();
    const newKey = keyPair();
    const now = Date.now();
    const keyFile = join(dir, 'keys.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        keys: [
          { publicKey: oldKey.pem, notAfter: new Date(now + 1000).toISOString() },
          { publicKey: newKey.pem, notBefore: now },
        ],
      }),
    );
    const ring = new KeyRing(keyFile, join(dir, 'state-b'));
    assert.equal('refused' in ring.lookup(oldKey.keyId, now), false);
    assert.equal('refused' in ring.lookup(oldKey.keyId, now + 2000), true);
    assert.equal('refused' in ring.lookup(newKey.keyId, now - 10), true);
    const third = keyPair();
    ring.rotate(third.pem, 500, now);
    assert.equal('refused' in ring.lookup(newKey.keyId, now + 400), false);
    assert.equal('refused' in ring.lookup(newKey.keyId, now + 600), true);
    assert.equal('refused' in new KeyRing(keyFile, join(dir, 'state-b')).lookup(third.keyId, now + 600), false);
  });
});
