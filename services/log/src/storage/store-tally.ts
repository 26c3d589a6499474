import { Injectable } from '@nestjs/common';
import type { LogStorageReport } from '@msec/contracts';

/**
 * Rows held and telemetry dropped, shared by ingest, retention and the size limits: rows are counted in full at start
 * and after each age purge, tracked in between (a redelivered row counts twice until the next count); the drop
 * counters are loaded from the database at start and saved as they change (DropCounterStore).
 */
@Injectable()
export class StoreTally {
  lines = 0;
  spans = 0;
  readonly dropped: LogStorageReport['dropped'] = { streamMessages: 0, lines: 0, linesBelowWarn: 0, spans: 0, okSpans: 0 };
  /** When the drop counters started counting: the store's first start. */
  since = Date.now();

  /** Rows just stored. */
  stored(lines: number, spans: number): void {
    this.lines += lines;
    this.spans += spans;
  }

  /** Rows removed by a purge or a trim. */
  removed(lines: number, spans: number): void {
    this.lines = Math.max(0, this.lines - lines);
    this.spans = Math.max(0, this.spans - spans);
  }
}
