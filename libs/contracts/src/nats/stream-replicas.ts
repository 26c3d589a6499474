import { ValidationError } from '../msec-error.js';

/** Replica counts JetStream accepts for a stream: one copy, or a quorum of three or five servers. */
export const STREAM_REPLICA_CHOICES = [1, 3, 5] as const;

let configured: number | undefined;

/** The replica count of `value`, or a ValidationError naming `key` and the choices. */
export function checkStreamReplicas(value: unknown, key: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !(STREAM_REPLICA_CHOICES as readonly number[]).includes(n)) {
    throw new ValidationError(
      key,
      `must be 1 (one NATS server) or 3 or 5 (a NATS cluster of at least that many servers); got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/**
 * Sets how many servers keep a copy of every stream and KV bucket this process creates (the `streamReplicas` config
 * key of the platform services). Consumers follow their stream.
 */
export function setStreamReplicas(value: number, key = 'streamReplicas (MSEC_STREAM_REPLICAS)'): void {
  configured = checkStreamReplicas(value, key);
}

/**
 * Replicas of the streams and KV buckets this process creates: as set by its configuration, else
 * `MSEC_STREAM_REPLICAS` from the environment (business processes), else 1.
 */
export function streamReplicas(): number {
  if (configured !== undefined) return configured;
  const text = process.env.MSEC_STREAM_REPLICAS;
  configured = text === undefined || text === '' ? 1 : checkStreamReplicas(text, 'MSEC_STREAM_REPLICAS');
  return configured;
}
