import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Nonces of accepted commands, remembered until their command expires. Each is appended (and fsynced) to
 * `<stateDir>/nonce-journal.jsonl` before the command runs, so a replay is refused even after a restart.
 * The journal is compacted (expired lines dropped) when it is opened.
 */
export class NonceJournal {
  private readonly seen = new Map<string, number>();
  private readonly file: string;
  private fd: number;

  constructor(stateDir: string, now: number = Date.now()) {
    mkdirSync(stateDir, { recursive: true });
    this.file = join(stateDir, 'nonce-journal.jsonl');
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const { n, e } = JSON.parse(line) as { n: string; e: number };
          if (typeof n === 'string' && typeof e === 'number' && e >= now) this.seen.set(n, e);
        } catch {
          // a torn last line after a crash: everything before it is intact
        }
      }
    }
    const compacted = [...this.seen].map(([n, e]) => JSON.stringify({ n, e }) + '\n').join('');
    writeFileSync(`${this.file}.tmp`, compacted);
    renameSync(`${this.file}.tmp`, this.file);
    this.fd = openSync(this.file, 'a');
  }

  /** True when the nonce was accepted before and its command has not expired yet. */
  has(nonce: string, now: number = Date.now()): boolean {
    const expiresAt = this.seen.get(nonce);
    return expiresAt !== undefined && expiresAt >= now;
  }

  /** Records a nonce durably until expiresAt. */
  remember(nonce: string, expiresAt: number, now: number = Date.now()): void {
    writeSync(this.fd, JSON.stringify({ n: nonce, e: expiresAt }) + '\n');
    fsyncSync(this.fd);
    this.seen.set(nonce, expiresAt);
    if (this.seen.size > 1000) for (const [n, e] of this.seen) if (e < now) this.seen.delete(n);
  }

  /** Closes the journal file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
