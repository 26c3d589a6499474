import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { StatKind } from '@msec/contracts';
import { MinuteSeries, type SeriesStore } from './series-store.js';
import { MINUTES_PER_DAY } from './minute-time.js';

/** The snapshot's manifest: where in the stream it was taken and which file holds each day. */
export interface SnapshotManifest {
  v: 2;
  takenAt: number;
  shardIndex: number;
  shards: number;
  /** Last applied stream sequence per consumer key (`all`, or `p<partition>` when sharded). */
  streamSeq: Record<string, number>;
  /** Increases with every snapshot; day files carry the generation that wrote them. */
  generation: number;
  /** Day number → file name (in the snapshot folder). */
  days: Record<string, string>;
}

interface SeriesLine {
  s: string;
  a: string;
  /** Host; null for the service aggregate. */
  h: string | null;
  k: StatKind;
  v: string;
  c?: string;
}

const MANIFEST = 'manifest.json';

function toBase64(array: Float64Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

function fromBase64(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== MINUTES_PER_DAY * 8) throw new Error(`a day holds ${MINUTES_PER_DAY * 8} bytes, got ${bytes.length}`);
  const out = new Float64Array(MINUTES_PER_DAY);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes every series' cells of one day to a new file and fsyncs it; returns the number of series written. */
function writeDayFile(file: string, store: SeriesStore, day: number): number {
  const fd = openSync(file, 'w');
  let count = 0;
  try {
    const lines: string[] = [];
    let pending = 0;
    for (const [service, attrs] of store.services) {
      for (const [attr, series] of attrs) {
        const all: [string | null, MinuteSeries][] = [[null, series.total], ...series.hosts];
        for (const [host, s] of all) {
          const cells = s.days.get(day);
          if (cells === undefined) continue;
          const line: SeriesLine = { s: service, a: attr, h: host, k: s.kind, v: toBase64(cells.values) };
          if (cells.counts !== undefined) line.c = toBase64(cells.counts);
          lines.push(JSON.stringify(line));
          pending += line.v.length;
          count++;
          if (pending > 4_000_000) {
            writeSync(fd, lines.join('\n') + '\n');
            lines.length = 0;
            pending = 0;
          }
        }
      }
    }
    if (lines.length > 0) writeSync(fd, lines.join('\n') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return count;
}

/** Reads the manifest of a snapshot folder, or undefined when there is none. */
export function readManifest(dir: string): SnapshotManifest | undefined {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) return undefined;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as SnapshotManifest;
  if (manifest.v !== 2 || typeof manifest.days !== 'object') throw new Error(`${file} is not a version 2 manifest`);
  return manifest;
}

/**
 * Writes a snapshot incrementally and atomically, synchronously so no batch is applied half-way through:
 * only the days changed since the previous snapshot (`changedDays`; usually just today) get a new file named with the next
 * generation, fsynced; then `manifest.json.tmp` (stream sequences + the file of every day) is fsynced and renamed over
 * the manifest, and the folder fsynced. The manifest is the commit point: after a crash or power loss it names either
 * the old or the new set of files, all whole. Files no manifest names any more are removed afterwards.
 */
export function writeSnapshot(
  dir: string,
  store: SeriesStore,
  changedDays: ReadonlySet<number>,
  header: Pick<SnapshotManifest, 'takenAt' | 'shardIndex' | 'shards' | 'streamSeq'>,
): SnapshotManifest {
  mkdirSync(dir, { recursive: true });
  const previous = readManifest(dir);
  const generation = (previous?.generation ?? 0) + 1;
  const held = store.heldDays();
  const days: Record<string, string> = {};
  for (const day of held) {
    const kept = previous?.days[String(day)];
    if (kept !== undefined && !changedDays.has(day)) {
      days[String(day)] = kept;
      continue;
    }
    const name = `day-${day}.${generation}.ndjson`;
    writeDayFile(join(dir, name), store, day);
    days[String(day)] = name;
  }
  const manifest: SnapshotManifest = { v: 2, ...header, generation, days };
  const tmp = join(dir, `${MANIFEST}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(manifest));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, MANIFEST));
  fsyncDir(dir);
  const named = new Set(Object.values(days));
  for (const file of readdirSync(dir)) if (file.startsWith('day-') && !named.has(file)) rmSync(join(dir, file), { force: true });
  return manifest;
}

/** Loads a snapshot folder into an empty store; returns its manifest, or undefined when there is none. Throws when damaged. */
export async function readSnapshot(dir: string, store: SeriesStore): Promise<SnapshotManifest | undefined> {
  const manifest = readManifest(dir);
  if (manifest === undefined) return undefined;
  for (const [dayText, name] of Object.entries(manifest.days)) {
    const day = Number(dayText);
    const lines = createInterface({ input: createReadStream(join(dir, name)), crlfDelay: Infinity });
    for await (const text of lines) {
      if (text.length === 0) continue;
      const line = JSON.parse(text) as SeriesLine;
      const series = store.attrSeries(line.s, line.a, line.k);
      if (series === undefined) throw new Error(`attribute ${line.a} of ${line.s} appears with two kinds`);
      let target = series.total;
      if (line.h !== null) {
        target = series.hosts.get(line.h) ?? new MinuteSeries(line.k);
        series.hosts.set(line.h, target);
      }
      target.days.set(
        day,
        line.c === undefined ? { values: fromBase64(line.v) } : { values: fromBase64(line.v), counts: fromBase64(line.c) },
      );
    }
  }
  store.takeDirtyDays();
  return manifest;
}
