import { isIP } from 'node:net';
import { ServiceKind } from '@msec/contracts';
import { DEFAULT_WEIGHT, MAX_WEIGHT, MIN_WEIGHT } from '@msec/nlb';
import { invalid } from './services.errors.js';

/** Two-level names as in MSEC: `First.Second`, each part a letter then letters, digits or underscores. */
const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}\.[A-Za-z][A-Za-z0-9_]{0,63}$/;
const PROTOCOL = /^[a-z][a-z0-9+-]{0,31}$/;

/** A validated instance address with its weight. */
export interface InstanceInput {
  ip: string;
  port: number;
  weight: number;
}

/** A validated create-service request. */
export interface CreateServiceInput {
  name: string;
  kind: ServiceKind;
  protocol: string;
  memo: string;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object');
  return value as Record<string, unknown>;
}

/** Checks a `First.Second` service name. */
export function serviceName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || !SERVICE_NAME.test(value)) {
    throw invalid(
      field,
      `must look like First.Second (letters, digits, underscore, each part starting with a letter), e.g. Flight.mod_flight; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Checks a create-service request. */
export function createServiceInput(body: unknown): CreateServiceInput {
  const b = record(body, 'body');
  const name = serviceName(b.name);
  const kind = b.kind ?? ServiceKind.standard;
  if (kind !== ServiceKind.standard && kind !== ServiceKind.heterogeneous)
    throw invalid('kind', `must be "standard" or "heterogeneous"; got ${JSON.stringify(kind)}`);
  const protocol = b.protocol ?? (kind === ServiceKind.standard ? 'msec' : undefined);
  if (typeof protocol !== 'string' || !PROTOCOL.test(protocol)) {
    throw invalid(
      'protocol',
      kind === ServiceKind.heterogeneous
        ? 'is required for a heterogeneous service, e.g. "mysql", "redis", "http", "tcp"'
        : 'must be lower-case letters, digits, + or -',
    );
  }
  const memo = b.memo ?? '';
  if (typeof memo !== 'string' || memo.length > 512) throw invalid('memo', 'must be text of at most 512 characters');
  return { name, kind, protocol, memo };
}

/** Parses one instance given as "ip:port" or {ip, port, weight}. */
function instanceInput(value: unknown, field: string): InstanceInput {
  let ip: unknown;
  let port: unknown;
  let weight: unknown = DEFAULT_WEIGHT;
  if (typeof value === 'string') {
    const at = value.lastIndexOf(':');
    ip = at > 0 ? value.slice(0, at).replace(/^\[(.*)\]$/, '$1') : value;
    port = at > 0 ? Number(value.slice(at + 1)) : undefined;
  } else {
    const v = record(value, field);
    ip = v.ip;
    port = v.port;
    weight = v.weight ?? DEFAULT_WEIGHT;
  }
  if (typeof ip !== 'string' || isIP(ip) === 0) throw invalid(`${field}.ip`, `must be an IPv4 or IPv6 address; got ${JSON.stringify(ip)}`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535)
    throw invalid(`${field}.port`, `must be a whole number from 1 to 65535; got ${JSON.stringify(port)}`);
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
    throw invalid(`${field}.weight`, `must be a whole number from ${MIN_WEIGHT} to ${MAX_WEIGHT}; got ${JSON.stringify(weight)}`);
  }
  return { ip, port, weight };
}

/** Checks {service, instances: [...]} with at least one instance and no address twice. */
export function instancesInput(body: unknown): { service: string; instances: InstanceInput[] } {
  const b = record(body, 'body');
  const service = serviceName(b.service, 'service');
  if (!Array.isArray(b.instances) || b.instances.length === 0)
    throw invalid('instances', 'must list at least one instance as "ip:port" or {ip, port, weight}');
  const instances = b.instances.map((value, index) => instanceInput(value, `instances[${index}]`));
  const seen = new Set<string>();
  instances.forEach((instance, index) => {
    const key = `${instance.ip}:${instance.port}`;
    if (seen.has(key)) throw invalid(`instances[${index}]`, `${key} is listed twice`);
    seen.add(key);
  });
  return { service, instances };
}

/** Checks {service, ip, port, weight} for a weight change. */
export function weightInput(body: unknown): { service: string; instance: InstanceInput } {
  const b = record(body, 'body');
  const service = serviceName(b.service, 'service');
  if (b.weight === undefined) throw invalid('weight', `is required (${MIN_WEIGHT}..${MAX_WEIGHT})`);
  return { service, instance: instanceInput({ ip: b.ip, port: b.port, weight: b.weight }, 'instance') };
}
