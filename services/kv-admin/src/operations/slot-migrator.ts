import { stepFailed } from '../kv-admin.errors.js';
import { parseNodeAddress } from '../redis/node-address.js';
import type { RedisConnections } from '../redis/redis-connections.js';
import type { SlotMove } from './rebalance-planner.js';

/** Keys moved per MIGRATE call. */
const KEYS_PER_BATCH = 100;
/** Slots migrated at once; they are independent, so a small window hides round-trip latency. */
const SLOTS_IN_FLIGHT = 32;
const MIGRATE_TIMEOUT_MS = 10_000;

/** Progress of a slot migration plan: slots are migrated in plan order, `done` of them are complete. */
export interface MigrationState {
  moves: SlotMove[];
  total: number;
  done: number;
}

/** Where node ids live and which masters must hear about a slot's new owner. */
export interface MigrationTargets {
  addressOf(id: string): string;
  masters(): string[];
}

/** Expands a plan into (slot, from, to) steps in order. */
export function planSteps(moves: readonly SlotMove[]): { slot: number; from: string; to: string }[] {
  const steps: { slot: number; from: string; to: string }[] = [];
  for (const m of moves) for (let slot = m.start; slot <= m.end; slot += 1) steps.push({ slot, from: m.from, to: m.to });
  return steps;
}

/**
 * Moves slots with the protocol redis-cli uses: IMPORTING on the target, MIGRATING on the source, MIGRATE keys in
 * batches, then SETSLOT NODE on target, source and every other master. Each slot's steps are idempotent, so after an
 * interruption the migration restarts at the first slot not recorded as done and replays the ones in flight.
 */
export class SlotMigrator {
  constructor(private readonly redis: RedisConnections) {}

  /** Runs the remaining slots of state, calling checkpoint after each window of slots. */
  async run(state: MigrationState, targets: MigrationTargets, checkpoint: () => Promise<void>): Promise<void> {
    const steps = planSteps(state.moves);
    while (state.done < steps.length) {
      const window = steps.slice(state.done, state.done + SLOTS_IN_FLIGHT);
      await Promise.all(window.map((s) => this.moveSlot(s.slot, s.from, s.to, targets)));
      state.done += window.length;
      await checkpoint();
    }
  }

  /** Moves one slot; safe to repeat at any point of a previous attempt. */
  async moveSlot(slot: number, fromId: string, toId: string, targets: MigrationTargets): Promise<void> {
    const source = targets.addressOf(fromId);
    const target = targets.addressOf(toId);
    const open = await this.open(slot, source, target, fromId, toId);
    if (open) await this.drain(slot, source, target);
    await this.assign(slot, source, target, toId, targets.masters());
  }

  /** Opens the slot on both sides; false when the target already owns it (a previous attempt got that far). */
  private async open(slot: number, source: string, target: string, fromId: string, toId: string): Promise<boolean> {
    try {
      await this.redis.call(target, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', fromId);
    } catch (error) {
      if (/already the owner/i.test(message(error))) return false;
      throw stepFailed(`slot ${slot}: SETSLOT IMPORTING on ${target}`, message(error));
    }
    try {
      await this.redis.call(source, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', toId);
    } catch (error) {
      // The source no longer owns it: the target was assigned on some nodes already; finish the assignment.
      if (/not the owner/i.test(message(error))) return false;
      throw stepFailed(`slot ${slot}: SETSLOT MIGRATING on ${source}`, message(error));
    }
    return true;
  }

  /** MIGRATEs every key of the slot from source to target, KEYS_PER_BATCH at a time. */
  private async drain(slot: number, source: string, target: string): Promise<void> {
    const { host, port } = parseNodeAddress(target, 'target');
    // The source opens its own connection to the target: it must present the cluster's password there.
    const password = this.redis.passwordOf(target);
    const auth = password === undefined ? [] : ['AUTH', password];
    for (;;) {
      const keys = (await this.redis.client(source).call('CLUSTER', 'GETKEYSINSLOT', slot, KEYS_PER_BATCH)) as string[];
      if (keys.length === 0) return;
      try {
        await this.redis.call(source, 'MIGRATE', host, port, '', 0, MIGRATE_TIMEOUT_MS, ...auth, 'KEYS', ...keys);
      } catch (error) {
        // While a key still exists on the source every write goes there, so the source copy is the newest one.
        if (!/BUSYKEY/i.test(message(error))) throw stepFailed(`slot ${slot}: MIGRATE to ${target}`, message(error));
        await this.redis.call(source, 'MIGRATE', host, port, '', 0, MIGRATE_TIMEOUT_MS, 'REPLACE', ...auth, 'KEYS', ...keys);
      }
    }
  }

  /** SETSLOT NODE on the target first (it bumps its epoch), then the source, then every other master. */
  private async assign(slot: number, source: string, target: string, toId: string, masters: string[]): Promise<void> {
    await this.redis.call(target, 'CLUSTER', 'SETSLOT', slot, 'NODE', toId);
    await this.setNode(source, slot, toId);
    await Promise.all(masters.filter((m) => m !== source && m !== target).map((m) => this.setNode(m, slot, toId)));
  }

  private async setNode(address: string, slot: number, toId: string): Promise<void> {
    try {
      await this.redis.call(address, 'CLUSTER', 'SETSLOT', slot, 'NODE', toId);
    } catch (error) {
      // A master that has not yet heard of a newly joined target learns the owner by gossip instead; a master that
      // gave away its last slot turns into a replica (cluster-allow-replica-migration) and follows its new master.
      if (/unknown node|only with masters/i.test(message(error))) return;
      throw stepFailed(`slot ${slot}: SETSLOT NODE on ${address}`, message(error));
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
