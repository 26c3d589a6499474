import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditJournal } from '../../src/commands/audit-journal.js';

const DAY = 86_400_000;

function withDir(work: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'msec-test-agent-audit-'));
  try {
    work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function records(dir: string, name: string): { seq: number; pad: string }[] {
  return readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { seq: number; pad: string });
}

test('agent - the audit journal stays bounded under many records, keeping the newest whole and in order', () => {
  withDir((dir) => {
    const journal = new AuditJournal(dir, { maxBytes: 2048, keep: 3, retentionMs: 180 * DAY });
    for (let seq = 0; seq < 1000; seq++) journal.append({ seq, pad: 'x'.repeat(seq % 97) });
    journal.close();
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, ['audit.1.jsonl', 'audit.2.jsonl', 'audit.3.jsonl', 'audit.jsonl']);
    for (const file of files) {
      assert.ok(statSync(join(dir, file)).size <= 2048, `${file} is within the size limit`);
      assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, `${file} is private`);
    }
    // every line of every file parses (no record was split), and oldest → newest they are one unbroken run
    const seqs = ['audit.3.jsonl', 'audit.2.jsonl', 'audit.1.jsonl', 'audit.jsonl'].flatMap((f) => records(dir, f).map((r) => r.seq));
    assert.equal(seqs.at(-1), 999, 'the newest record is kept');
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0]! + i),
      'no gap and no duplicate between the files',
    );
    assert.ok(seqs[0]! > 0, 'the oldest records were dropped');
  });
});

test('agent - rotated audit files past the retention age are deleted, recent ones kept', () => {
  withDir((dir) => {
    let now = Date.now();
    const journal = new AuditJournal(dir, { maxBytes: 1024, keep: 5, retentionMs: 30 * DAY }, () => now);
    for (let seq = 0; seq < 60; seq++) journal.append({ seq, pad: 'y'.repeat(40) });
    const rotated = readdirSync(dir).filter((f) => f !== 'audit.jsonl');
    assert.ok(rotated.length >= 2, `rotated files exist (${rotated.join(', ')})`);
    // the oldest rotated file was last written 40 days ago, the others yesterday
    const oldest = `audit.${rotated.length}.jsonl`;
    const daysAgo = (days: number): Date => new Date(now - days * DAY);
    for (const f of rotated) utimesSync(join(dir, f), daysAgo(1), daysAgo(1));
    utimesSync(join(dir, oldest), daysAgo(40), daysAgo(40));
    now += 2 * 60 * 60 * 1000; // the hourly check is due
    journal.append({ seq: 60, pad: '' });
    journal.close();
    const left = readdirSync(dir);
    assert.ok(!left.includes(oldest), `${oldest} (40 days old) was deleted`);
    assert.equal(left.length, rotated.length, 'only that file went');
    assert.equal(records(dir, 'audit.jsonl').at(-1)?.seq, 60);
  });
});

test('agent - an audit journal left by an older agent is made private and continued', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'audit.jsonl'), JSON.stringify({ seq: 0 }) + '\n', { mode: 0o644 });
    const journal = new AuditJournal(dir, { maxBytes: 1 << 20, keep: 5, retentionMs: DAY });
    journal.append({ seq: 1 });
    journal.close();
    assert.equal(statSync(join(dir, 'audit.jsonl')).mode & 0o777, 0o600);
    assert.deepEqual(
      records(dir, 'audit.jsonl').map((r) => r.seq),
      [0, 1],
    );
  });
});

test('agent - expired rotated audit files are deleted when the agent starts', () => {
  withDir((dir) => {
    const old = new Date(Date.now() - 200 * DAY);
    for (const name of ['audit.1.jsonl', 'audit.2.jsonl']) {
      writeFileSync(join(dir, name), JSON.stringify({ seq: 0 }) + '\n', { mode: 0o600 });
      utimesSync(join(dir, name), old, old);
    }
    writeFileSync(join(dir, 'audit.3.jsonl.bak'), 'not ours');
    new AuditJournal(dir, { maxBytes: 1 << 20, keep: 5, retentionMs: 180 * DAY }).close();
    assert.deepEqual(readdirSync(dir).sort(), ['audit.3.jsonl.bak', 'audit.jsonl']);
  });
});
