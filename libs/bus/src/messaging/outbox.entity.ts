import { EntitySchema } from 'typeorm';

/** States of an outbox row. */
export const OutboxState = {
  /** Waiting to be published. */
  pending: 'pending',
  /** The broker refused it; kept for an operator, never retried automatically. */
  parked: 'parked',
} as const;
/** One of the outbox row states. */
export type OutboxState = (typeof OutboxState)[keyof typeof OutboxState];

/** A message written in the business transaction, deleted once the broker accepted it. */
export interface OutboxRow {
  /** The message id (and JetStream de-duplication id). */
  id: string;
  subject: string;
  /** Body as JSON text. */
  body: string;
  tags: string;
  /** Due time (epoch ms) of a delayed message; null for "now". */
  deliverAt: number | null;
  createdAt: Date;
  attempts: number;
  lastError: string | null;
  state: OutboxState;
}

const bigintAsNumber = { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) };

/** TypeORM entity for `msec_outbox`; services add it to their DataSource's entities. */
export const OutboxEntity = new EntitySchema<OutboxRow>({
  name: 'OutboxMessage',
  tableName: 'msec_outbox',
  columns: {
    id: { type: 'varchar', length: 128, primary: true },
    subject: { type: 'varchar', length: 255 },
    body: { type: 'text' },
    tags: { type: 'varchar', length: 800, default: '' },
    deliverAt: { type: 'bigint', name: 'deliver_at', nullable: true, transformer: bigintAsNumber },
    createdAt: { type: 'datetime', name: 'created_at' },
    attempts: { type: 'int', default: 0 },
    lastError: { type: 'text', name: 'last_error', nullable: true },
    state: { type: 'varchar', length: 16, default: OutboxState.pending },
  },
  indices: [{ name: 'idx_msec_outbox_state_created', columns: ['state', 'createdAt'] }],
});
