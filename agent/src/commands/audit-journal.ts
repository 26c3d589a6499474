import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Limits of the agent's audit journal. */
export interface AuditRetention {
  /** `audit.jsonl` is rotated once the next record would take it past this many bytes. */
  maxBytes: number;
  /** Rotated files kept (`audit.1.jsonl` newest … `audit.<keep>.jsonl` oldest); older ones are deleted. */
  keep: number;
  /** A rotated file whose newest record is older than this is deleted. */
  retentionMs: number;
}

const ROTATED = /^audit\.(\d+)\.jsonl$/;
/** Age is checked on each rotation and at most this often between them (a quiet host rotates rarely). */
const AGE_CHECK_MS = 60 * 60 * 1000;

/**
 * `<stateDir>/audit.jsonl`, one JSON record per line, private to the agent's user (0600). Bounded in size and age:
 * past `maxBytes` the file becomes `audit.1.jsonl` (older ones shift up to `audit.<keep>.jsonl`, the oldest is
 * dropped), so the journal never holds more than `(keep + 1) × maxBytes`; rotated files past the retention age are
 * deleted. A record is written whole into one file, never split; rotating is a few renames.
 */
export class AuditJournal {
  private readonly file: string;
  private fd = -1;
  private size = 0;
  private lastAgeCheck = 0;

  constructor(
    private readonly dir: string,
    private readonly retention: AuditRetention,
    private readonly now: () => number = Date.now,
  ) {
    this.file = join(dir, 'audit.jsonl');
    mkdirSync(dir, { recursive: true });
    // at start: expired rotated files go now, not at the first command
    this.open();
  }

  /** The live file; rotated ones sit beside it as `audit.<n>.jsonl`. */
  get path(): string {
    return this.file;
  }

  /** Appends one record as a line, rotating first when the line would take the live file past maxBytes. */
  append(record: object): void {
    const line = Buffer.from(JSON.stringify(record) + '\n');
    if (this.fd < 0) this.open();
    if (this.size > 0 && this.size + line.length > this.retention.maxBytes) this.rotate();
    else if (this.now() - this.lastAgeCheck >= AGE_CHECK_MS) this.dropExpired();
    writeSync(this.fd, line);
    this.size += line.length;
  }

  /** Closes the live file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private open(): void {
    this.fd = openSync(this.file, 'a', 0o600);
    // a journal written by an older agent may be 0644
    chmodSync(this.file, 0o600);
    this.size = fstatSync(this.fd).size;
    this.dropExpired();
  }

  private rotate(): void {
    this.close();
    const { keep } = this.retention;
    for (const n of this.rotatedNumbers().reverse()) {
      if (n >= keep) unlinkSync(this.rotatedFile(n));
      else renameSync(this.rotatedFile(n), this.rotatedFile(n + 1));
    }
    if (keep > 0) renameSync(this.file, this.rotatedFile(1));
    else unlinkSync(this.file);
    this.open();
  }

  /** Deletes rotated files whose last write (their newest record) is older than the retention age. */
  private dropExpired(): void {
    const now = this.now();
    this.lastAgeCheck = now;
    for (const n of this.rotatedNumbers()) {
      const file = this.rotatedFile(n);
      if (now - statSync(file).mtimeMs > this.retention.retentionMs) unlinkSync(file);
    }
  }

  /** Numbers of the rotated files present, ascending. */
  private rotatedNumbers(): number[] {
    return readdirSync(this.dir)
      .map((name) => ROTATED.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private rotatedFile(n: number): string {
    return join(this.dir, `audit.${n}.jsonl`);
  }
}
