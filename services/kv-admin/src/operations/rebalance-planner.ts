import { expandSlots } from '../topology/cluster-nodes-parser.js';
import type { KvSlotRange } from '@msec/contracts';

/** A master as the planner sees it. */
export interface PlannerMaster {
  id: string;
  slots: readonly KvSlotRange[];
  /** Share of slots relative to the others; 0 drains it. Default 1. */
  weight?: number;
}

/** Slots start..end (inclusive) move from one master to another. */
export interface SlotMove {
  from: string;
  to: string;
  start: number;
  end: number;
}

/** The target slot count of each master: proportional to weight, remainders to whoever already holds most. */
export function targetCounts(masters: readonly PlannerMaster[]): Map<string, number> {
  const counts = masters.map((m) => ({ id: m.id, weight: m.weight ?? 1, current: expandSlots(m.slots).length }));
  const total = counts.reduce((sum, m) => sum + m.current, 0);
  const weightSum = counts.reduce((sum, m) => sum + m.weight, 0);
  if (weightSum <= 0) throw new Error('at least one master needs a weight above 0');
  const targets = new Map(counts.map((m) => [m.id, Math.floor((total * m.weight) / weightSum)]));
  let remainder = total - [...targets.values()].reduce((a, b) => a + b, 0);
  const byExcess = counts
    .filter((m) => m.weight > 0)
    .sort((a, b) => b.current - targets.get(b.id)! - (a.current - targets.get(a.id)!) || a.id.localeCompare(b.id));
  for (let i = 0; remainder > 0; i = (i + 1) % byExcess.length, remainder -= 1)
    targets.set(byExcess[i]!.id, targets.get(byExcess[i]!.id)! + 1);
  return targets;
}

/**
 * Plans the fewest slot moves that bring every master to its target: each master over target gives away its
 * highest slots, receivers are filled largest deficit first. The number of slots moved equals the total surplus,
 * which is the minimum any plan can move.
 */
export function planRebalance(masters: readonly PlannerMaster[]): SlotMove[] {
  const targets = targetCounts(masters);
  const donors: { id: string; give: number[] }[] = [];
  const receivers: { id: string; need: number }[] = [];
  for (const master of [...masters].sort((a, b) => a.id.localeCompare(b.id))) {
    const slots = expandSlots(master.slots);
    const diff = slots.length - targets.get(master.id)!;
    if (diff > 0) donors.push({ id: master.id, give: slots.slice(slots.length - diff) });
    if (diff < 0) receivers.push({ id: master.id, need: -diff });
  }
  receivers.sort((a, b) => b.need - a.need || a.id.localeCompare(b.id));
  const moves: SlotMove[] = [];
  let r = 0;
  for (const donor of donors) {
    for (const slot of donor.give) {
      while (receivers[r] !== undefined && receivers[r]!.need === 0) r += 1;
      const receiver = receivers[r];
      if (receiver === undefined) throw new Error('rebalance plan: surplus and deficit do not match');
      receiver.need -= 1;
      const last = moves[moves.length - 1];
      if (last !== undefined && last.from === donor.id && last.to === receiver.id && last.end === slot - 1) last.end = slot;
      else moves.push({ from: donor.id, to: receiver.id, start: slot, end: slot });
    }
  }
  return moves;
}

/** Number of slots a plan moves. */
export function movedSlots(moves: readonly SlotMove[]): number {
  return moves.reduce((sum, m) => sum + m.end - m.start + 1, 0);
}
