import { badInput } from '../kv-admin.errors.js';

/** A Redis node's host and port. */
export interface NodeAddress {
  host: string;
  port: number;
}

const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Parses `host:port`, naming the field when it is malformed. */
export function parseNodeAddress(value: unknown, field: string): NodeAddress {
  if (typeof value !== 'string') throw badInput(field, 'expected "host:port", e.g. "10.0.0.5:6379"');
  const at = value.lastIndexOf(':');
  const host = value.slice(0, at);
  const port = Number(value.slice(at + 1));
  if (at <= 0 || !HOST.test(host)) throw badInput(field, `"${value}" is not host:port; the host must be an IPv4 address or a DNS name`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw badInput(field, `"${value}" has no valid port; use 1-65535`);
  return { host, port };
}

/** Parses a non-empty list of distinct `host:port` strings. */
export function parseNodeList(value: unknown, field: string, min = 1): string[] {
  if (!Array.isArray(value) || value.length < min) throw badInput(field, `expected an array of at least ${min} "host:port" strings`);
  const seen = new Set<string>();
  return value.map((item, i) => {
    const { host, port } = parseNodeAddress(item, `${field}[${i}]`);
    const address = formatAddress({ host, port });
    if (seen.has(address)) throw badInput(`${field}[${i}]`, `"${address}" is listed twice`);
    seen.add(address);
    return address;
  });
}

/** `host:port`. */
export function formatAddress(address: NodeAddress): string {
  return `${address.host}:${address.port}`;
}
