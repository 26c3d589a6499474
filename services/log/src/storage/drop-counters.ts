import { serialTransaction } from '@msec/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LogStorageReport } from '@msec/contracts';
import { LogCounterEntity } from './log.entities.js';

type Dropped = LogStorageReport['dropped'];
const DROPPED_KEYS: ReadonlyArray<keyof Dropped> = ['streamMessages', 'lines', 'linesBelowWarn', 'spans', 'okSpans'];
const SINCE = 'dropped.since';

/** What was dropped to keep the store bounded, and since when, as saved. */
export interface SavedDropCounters {
  dropped: Dropped;
  since: number;
}

/**
 * Keeps the drop counters in the log database, so the console's figures count from the first start of this store
 * and not from the last restart of the service.
 */
@Injectable()
export class DropCounterStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The saved counters, or undefined when none were saved yet. */
  async load(): Promise<SavedDropCounters | undefined> {
    const rows = await this.dataSource.getRepository(LogCounterEntity).find();
    const byName = new Map(rows.map((row) => [row.name, row.value]));
    const since = byName.get(SINCE);
    if (since === undefined) return undefined;
    const dropped = Object.fromEntries(DROPPED_KEYS.map((key) => [key, byName.get(`dropped.${key}`) ?? 0])) as unknown as Dropped;
    return { dropped, since };
  }

  /** Saves every counter in one transaction. */
  async save(counters: SavedDropCounters): Promise<void> {
    const rows = [
      { name: SINCE, value: counters.since },
      ...DROPPED_KEYS.map((key) => ({ name: `dropped.${key}`, value: counters.dropped[key] })),
    ];
    await serialTransaction(this.dataSource, (manager) => manager.getRepository(LogCounterEntity).save(rows));
  }
}
