import {
  JetStreamApiCodes,
  JetStreamApiError,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { streamReplicas } from '@msec/contracts';

/** A stream the platform owns. Storage defaults to file and replicas to the configured `streamReplicas`. */
export type StreamSpec = Partial<StreamConfig> & { name: string; subjects: string[] };

/**
 * What an existing stream gets from its spec. `keep-limits`: its subjects and replica count only, so limits an
 * operator (or a process with other configuration) set are kept. `apply`: the whole spec, for streams whose limits
 * are this process's configuration (the ingest stream's size cap, an explicit bus retention).
 */
export type ExistingStreamPolicy = 'keep-limits' | 'apply';

/**
 * Creates the stream when missing, else brings it to the spec as the policy says; idempotent and safe when several
 * processes start at once (the loser of a create race updates instead). Returns the stream as it now is.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  spec: StreamSpec,
  existing: ExistingStreamPolicy = 'keep-limits',
): Promise<StreamInfo> {
  const wanted: StreamSpec = { storage: StorageType.File, num_replicas: streamReplicas(), ...spec };
  const current = await streamInfo(jsm, spec.name);
  if (current !== undefined) return reconcile(jsm, current, wanted, existing);
  try {
    return await jsm.streams.add(wanted);
  } catch (error) {
    const raced = await streamInfo(jsm, spec.name);
    if (raced === undefined) throw error;
    return reconcile(jsm, raced, wanted, existing);
  }
}

/** The stream's info, or undefined when there is no such stream (other failures are thrown). */
export async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return undefined;
    throw error;
  }
}

async function reconcile(
  jsm: JetStreamManager,
  current: StreamInfo,
  wanted: StreamSpec,
  existing: ExistingStreamPolicy,
): Promise<StreamInfo> {
  const change: Partial<StreamConfig> =
    existing === 'apply' ? wanted : { subjects: wanted.subjects, num_replicas: wanted.num_replicas ?? streamReplicas() };
  const differs = Object.entries(change).some(
    ([key, value]) => JSON.stringify(current.config[key as keyof StreamConfig]) !== JSON.stringify(value),
  );
  if (!differs) return current;
  // JetStream moves the data itself when the replica count changes.
  return jsm.streams.update(wanted.name, { ...current.config, ...change });
}
