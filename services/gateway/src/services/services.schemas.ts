import { isIP } from 'node:net';
import { Schema, s, type JsonSchema } from '../http/schema.js';

/** Bounds of an instance's static weight, as the registry and the route picker use them. */
export const WEIGHT = { min: 100, max: 10_000, default: 1000 } as const;

type Issues = Parameters<Schema<unknown>['run']>[2];

/** `First.Second`: each part a letter then letters, digits or underscores (MSEC's two-level service tree). */
export const serviceName = s.string({
  min: 3,
  max: 129,
  pattern: /^[A-Za-z][A-Za-z0-9_]{0,63}\.[A-Za-z][A-Za-z0-9_]{0,63}$/,
  hint: 'must look like First.Second (letters, digits, underscore; each part starts with a letter), e.g. Flight.mod_flight',
});

/** An instance address and its weight. */
export interface InstanceAddress {
  ip: string;
  port: number;
  weight?: number;
}

/** Splits `ip:port` or `[v6]:port`; undefined when there is no port part. */
export function splitAddress(text: string): { ip: string; port: string } | undefined {
  const at = text.lastIndexOf(':');
  if (at <= 0) return undefined;
  return { ip: text.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: text.slice(at + 1) };
}

function checkIp(value: unknown, path: string[], issues: Issues): string | undefined {
  if (typeof value === 'string' && isIP(value) !== 0) return value;
  issues.push({ path, message: `must be an IPv4 or IPv6 address, e.g. 127.0.0.1; got ${JSON.stringify(value)}` });
  return undefined;
}

function checkPort(value: unknown, path: string[], issues: Issues): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65_535) return n;
  issues.push({ path, message: `must be a whole number from 1 to 65535; got ${JSON.stringify(value)}` });
  return undefined;
}

function checkAddressText(value: unknown, path: string[], issues: Issues): InstanceAddress | undefined {
  const parts = typeof value === 'string' ? splitAddress(value) : undefined;
  if (!parts) {
    issues.push({ path, message: `must be "ip:port", e.g. 127.0.0.1:8090; got ${JSON.stringify(value)}` });
    return undefined;
  }
  const ip = checkIp(parts.ip, [...path, 'ip'], issues);
  const port = checkPort(parts.port, [...path, 'port'], issues);
  return ip === undefined || port === undefined ? undefined : { ip, port };
}

const weight = s.int({ min: WEIGHT.min, max: WEIGHT.max });
const addressJson: JsonSchema = { type: 'string', pattern: '^.+:\\d{1,5}$', example: '127.0.0.1:8090' };

/** A path parameter `ip:port` (IPv6 as `[::1]:8090`, URL-encoded). */
export const addressParam = new Schema<InstanceAddress>((v, path, issues) => checkAddressText(v, path, issues), {
  ...addressJson,
  description: 'instance address ip:port',
});

/** One instance in a body: `"ip:port"` or `{ip, port, weight?}`; the weight defaults to 1000. */
const instanceItem = new Schema<InstanceAddress>(
  (v, path, issues) => {
    if (typeof v === 'string') return checkAddressText(v, path, issues);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      issues.push({ path, message: 'must be "ip:port" or {"ip","port","weight"}' });
      return undefined;
    }
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(o))
      if (!['ip', 'port', 'weight'].includes(key)) issues.push({ path: [...path, key], message: 'is not a known field' });
    const ip = checkIp(o.ip, [...path, 'ip'], issues);
    const port = checkPort(o.port, [...path, 'port'], issues);
    const w = o.weight === undefined ? undefined : weight.run(o.weight, [...path, 'weight'], issues);
    if (ip === undefined || port === undefined) return undefined;
    return w === undefined ? { ip, port } : { ip, port, weight: w };
  },
  {
    oneOf: [
      addressJson,
      {
        type: 'object',
        properties: { ip: { type: 'string' }, port: { type: 'integer', minimum: 1, maximum: 65_535 }, weight: weight.json },
        required: ['ip', 'port'],
        additionalProperties: false,
      },
    ],
  },
);

/** 1..100 instances, no address twice. */
export const instanceList = new Schema<InstanceAddress[]>(
  (v, path, issues) => {
    if (!Array.isArray(v) || v.length === 0 || v.length > 100) {
      issues.push({ path, message: 'must list 1 to 100 instances as "ip:port" or {"ip","port","weight"}' });
      return undefined;
    }
    const out: InstanceAddress[] = [];
    const seen = new Set<string>();
    v.forEach((item, index) => {
      const parsed = instanceItem.run(item, [...path, String(index)], issues);
      if (!parsed) return;
      const key = addressText(parsed);
      if (seen.has(key)) issues.push({ path: [...path, String(index)], message: `${key} is listed twice` });
      seen.add(key);
      out.push(parsed);
    });
    return out;
  },
  { type: 'array', minItems: 1, maxItems: 100, items: instanceItem.json },
);

/** `ip:port`, with brackets around an IPv6 address. */
export function addressText(a: { ip: string; port: number }): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

/** POST /services. */
export const createServiceBody = s.object({
  name: serviceName,
  kind: s
    .oneOf(['standard', 'heterogeneous'] as const)
    .optional()
    .describe('standard (built on the SDK, default) or heterogeneous (any endpoint, e.g. a database)'),
  protocol: s
    .string({ pattern: /^[a-z][a-z0-9+-]{0,31}$/, hint: 'must be lower-case letters, digits, + or -, e.g. mysql' })
    .optional()
    .describe('required for heterogeneous services, e.g. mysql, redis, http'),
  memo: s.string({ max: 512 }).optional(),
});

/** POST /services/{name}/instances, scale-out, scale-in. */
export const instancesBody = s.object({ instances: instanceList });

/** PUT /services/{name}/instances/{address}/weight. */
export const weightBody = s.object({ weight: weight.describe(`${WEIGHT.min}..${WEIGHT.max}; 1000 is the default`) });
