import type { PackageView } from '@msec/contracts';
import type { NatsForwarder } from '../http/nats-forwarder.js';

/** A package as the deploy service lists it. */
export type { PackageView };

/** Where the REST caller put the fields the deploy service names: every field under one prefix, or some renamed one by one. */
export type FieldPlace = 'body' | 'query' | Record<string, string>;

function restField(field: string, place: FieldPlace): string {
  if (typeof place === 'string') return `${place}.${field}`;
  const root = field.split(/[.[]/, 1)[0]!;
  return place[root] ?? `body.${field}`;
}

/**
 * Forwards to the deploy service. Its errors keep code and status; a field it names (`hosts`, `tag`) is renamed
 * to where the REST caller sent it (`body.hosts`, `query.tag`, `path.planId`).
 */
export function forwardToDeploy<T>(
  nats: NatsForwarder,
  subject: string,
  data: unknown,
  place: FieldPlace,
  deadlineMs?: number,
): Promise<T> {
  return nats.requestNamingRestFields<T>(subject, data, (field) => restField(field, place), deadlineMs);
}
