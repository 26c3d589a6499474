/**
 * One entry of the event catalogue: what an automation subscriber needs to know about a domain event.
 * Each console service lists its events in `libs/contracts/src/events/<service>.events.ts` as an array of these;
 * docs/events.md is generated from the whole catalogue.
 */
export interface EventDefinition {
  /** The envelope's `type`, e.g. `registry.ServiceCreated`. */
  type: string;
  /** The current schema version of the payload; older versions are upcast to it when read. */
  version: number;
  /** The service (and NATS identity) that appends it: the only publisher allowed. */
  owner: string;
  /** The event-store subject it is appended under, with placeholders, e.g. `registry.<service name>`. */
  subject: string;
  /**
   * `audit` for the audit trail, kept in the bounded audit stream (`msec.audit.<subject>` in MSEC_AUDIT); absent for
   * every other event (the event store, `msec.evt.<subject>`, kept forever). Both reach the feed as `msec.feed.<subject>`.
   */
  store?: 'audit';
  /** What happened, in one sentence a user understands. */
  description: string;
  /** Each payload field → its type and meaning, e.g. `{ name: 'string: the service name' }`. */
  fields: Record<string, string>;
  /** A realistic payload. */
  example: Record<string, unknown>;
}
