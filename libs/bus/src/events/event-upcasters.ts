import { eventUpcastFailed } from '../bus.errors.js';
import type { DomainEvent } from './event-envelope.js';

/** Lifts the payload of one event type from `fromVersion` to `fromVersion + 1`. */
export type Upcaster = (payload: unknown, event: DomainEvent) => unknown;

/**
 * Upcasters by (event type, version): an event read with an older version is lifted one version at a time until no
 * upcaster applies, so readers only ever see the current shape. Registering two for the same step is a mistake.
 */
export class EventUpcasters {
  private readonly steps = new Map<string, Upcaster>();

  /** Registers the step `type` v`fromVersion` → v`fromVersion + 1`; returns this for chaining. */
  register(type: string, fromVersion: number, upcast: Upcaster): this {
    const key = `${type}@${fromVersion}`;
    if (this.steps.has(key)) throw new Error(`an upcaster of ${type} from version ${fromVersion} is already registered`);
    this.steps.set(key, upcast);
    return this;
  }

  /** The event in its newest known version (the same object when no upcaster applies). */
  upcast<TEvent extends DomainEvent>(event: TEvent): TEvent {
    let current: DomainEvent = event;
    for (;;) {
      const step = this.steps.get(`${current.type}@${current.version}`);
      if (step === undefined) return current as TEvent;
      try {
        current = { ...current, payload: step(current.payload, current), version: current.version + 1 };
      } catch (error) {
        throw eventUpcastFailed(current.type, current.version, error);
      }
    }
  }
}

/**
 * The platform's upcasters: every step from an event version the platform once wrote to the next. Projections,
 * subscribers and webhooks read events through these unless given others.
 */
export const platformUpcasters = new EventUpcasters()
  // Alarm rule events gained the digest of the rule's webhook URL in version 2; a version 1 event names none.
  .register('monitor.AlarmRuleCreated', 1, (payload) => ({ webhookDigest: null, ...(payload as object) }))
  .register('monitor.AlarmRuleUpdated', 1, (payload) => ({ webhookDigest: null, ...(payload as object) }));
