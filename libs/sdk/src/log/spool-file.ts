import { appendFile, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A bounded local file of JSON records, one per line, kept while NATS is unreachable.
 * Only one caller at a time may use it (the publisher's pump serialises every call).
 */
export class SpoolFile {
  private bytes = -1;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
  ) {}

  /** Bytes currently spooled. */
  async size(): Promise<number> {
    if (this.bytes < 0)
      this.bytes = await stat(this.path).then(
        (s) => s.size,
        () => 0,
      );
    return this.bytes;
  }

  /** Appends what fits under the bound; returns how many records did not fit (dropped). */
  async append(records: readonly string[]): Promise<number> {
    let room = this.maxBytes - (await this.size());
    const kept: string[] = [];
    for (const record of records) {
      const length = Buffer.byteLength(record) + 1;
      if (length > room) break;
      room -= length;
      kept.push(record);
    }
    if (kept.length > 0) {
      const text = kept.join('\n') + '\n';
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, text);
      this.bytes += Buffer.byteLength(text);
    }
    return records.length - kept.length;
  }

  /** Every spooled record; a torn last line (crash while writing) is skipped. */
  async readAll(): Promise<string[]> {
    if ((await this.size()) === 0) return [];
    const text = await readFile(this.path, 'utf8').catch(() => '');
    return text.split('\n').filter((line) => line.length > 0 && line.endsWith('}'));
  }

  /** Replaces the spool with the records still to send (atomically, via a temp file). */
  async replace(records: readonly string[]): Promise<void> {
    if (records.length === 0) {
      await unlink(this.path).catch(() => undefined);
      this.bytes = 0;
      return;
    }
    const text = records.join('\n') + '\n';
    await writeFile(`${this.path}.tmp`, text);
    await rename(`${this.path}.tmp`, this.path);
    this.bytes = Buffer.byteLength(text);
  }
}
