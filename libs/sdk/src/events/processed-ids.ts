import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How many ids a store remembers: far more than can be in flight or redelivered. */
const KEEP = 100_000;

/**
 * The event ids one subscriber has handled, in a local append-only file (one id a line, synced before the event is
 * acknowledged), so a redelivered event is recognised after a restart. It keeps the newest `KEEP` ids and rewrites
 * itself when twice as many lines piled up.
 */
export class ProcessedIds {
  private readonly ids = new Set<string>();
  private lines = 0;
  private file: FileHandle | undefined;

  private constructor(private readonly path: string) {}

  /** Opens (creating folders as needed) and loads the store at `path`. */
  static async open(path: string): Promise<ProcessedIds> {
    mkdirSync(dirname(path), { recursive: true });
    const store = new ProcessedIds(path);
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      store.ids.add(line);
      store.lines++;
    }
    store.file = await open(path, 'a');
    return store;
  }

  /** True when `id` was handled. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Records `id` as handled, durably, before it is acknowledged. */
  async add(id: string): Promise<void> {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    await this.file!.write(`${id}\n`);
    await this.file!.datasync();
    if (++this.lines > 2 * KEEP) await this.compact();
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
  }

  private async compact(): Promise<void> {
    const newest = [...this.ids].slice(-KEEP);
    this.ids.clear();
    for (const id of newest) this.ids.add(id);
    await writeFile(`${this.path}.tmp`, newest.map((id) => `${id}\n`).join(''));
    await this.file!.close();
    await rename(`${this.path}.tmp`, this.path);
    this.file = await open(this.path, 'a');
    this.lines = newest.length;
  }
}
