import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForConsoleKey } from '../../src/config/console-key-wait.js';

test('agent - waits for a console key that is written after it starts, saying where it looks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msec-test-agent-key-'));
  try {
    const file = join(dir, 'console.pub');
    const said: string[] = [];
    let done = false;
    const waiting = waitForConsoleKey(file, (line) => said.push(line)).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(done, false, 'resolved before the key existed');
    assert.match(said[0] ?? '', new RegExp(`waiting for the console public key at ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    writeFileSync(file, 'key');
    await waiting;
    assert.equal(done, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('agent - starts at once when the console key is already there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msec-test-agent-key-'));
  try {
    const file = join(dir, 'console.pub');
    writeFileSync(file, 'key');
    const said: string[] = [];
    await waitForConsoleKey(file, (line) => said.push(line));
    assert.deepEqual(said, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
