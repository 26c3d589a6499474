import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** An append-only log file that rolls to `.1`, `.2`, … once it passes maxBytes, keeping `keep` old files. */
export class RotatingLog {
  private fd: number;
  private size: number;

  constructor(
    private readonly file: string,
    private readonly maxBytes = 1024 * 1024,
    private readonly keep = 3,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
    this.size = statSync(file).size;
  }

  /** Appends a chunk, rolling first when it would pass maxBytes. */
  write(chunk: Buffer | string): void {
    if (this.fd < 0) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.roll();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  private roll(): void {
    closeSync(this.fd);
    if (existsSync(`${this.file}.${this.keep}`)) unlinkSync(`${this.file}.${this.keep}`);
    for (let i = this.keep - 1; i >= 1; i--) if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    renameSync(this.file, `${this.file}.1`);
    this.fd = openSync(this.file, 'a');
    this.size = 0;
  }

  /** Closes the file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
