import { StatKind, type StatItem } from '@msec/contracts';
import { BreakerState, type BreakerReport } from '@msec/rpc';
import type { StatSource } from '../monitor/index.js';

/** Attributes a caller reports about its circuit breakers, each followed by `|<callee>|<method>`. */
export const BreakerAttrs = {
  /** The worst state of the minute: 0 closed, 1 half-open, 2 open (max over the caller's instances). */
  state: 'msec.breaker.state',
  /** Times the breaker opened in the minute. */
  opened: 'msec.breaker.opened',
  /** Calls it refused in the minute (answered RPC_CIRCUIT_OPEN without touching the network). */
  refused: 'msec.breaker.refused',
} as const;

const STATE_VALUE: Record<BreakerState, number> = { [BreakerState.closed]: 0, [BreakerState.halfOpen]: 1, [BreakerState.open]: 2 };

interface Seen {
  state: BreakerState;
  opened: number;
  refused: number;
}

/**
 * Turns the caller's breakers into per-minute statistics at each flush: the state of every breaker that is not closed
 * (and once more when it closes, as 0), and how often each opened and refused since the last flush. A breaker that
 * stays closed reports nothing.
 */
export class BreakerCounters implements StatSource {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly report: () => BreakerReport[],
    private readonly now: () => number = Date.now,
  ) {}

  drain(): StatItem[] {
    const minute = Math.floor(this.now() / 60_000);
    const items: StatItem[] = [];
    for (const breaker of this.report()) {
      const key = `${breaker.service}|${breaker.method}`;
      const before = this.seen.get(key) ?? { state: BreakerState.closed, opened: 0, refused: 0 };
      const opened = breaker.opened - before.opened;
      const refused = breaker.refused - before.refused;
      if (breaker.state !== BreakerState.closed || before.state !== BreakerState.closed || opened > 0) {
        // A breaker that opened and closed again between two flushes still shows as open in its minute.
        const value = opened > 0 ? STATE_VALUE[BreakerState.open] : STATE_VALUE[breaker.state];
        items.push([`${BreakerAttrs.state}|${key}`, minute, StatKind.max, value, 1]);
      }
      if (opened > 0) items.push([`${BreakerAttrs.opened}|${key}`, minute, StatKind.sum, opened, opened]);
      if (refused > 0) items.push([`${BreakerAttrs.refused}|${key}`, minute, StatKind.sum, refused, refused]);
      this.seen.set(key, { state: breaker.state, opened: breaker.opened, refused: breaker.refused });
    }
    return items;
  }

  takeDropped(): number {
    return 0;
  }
}
