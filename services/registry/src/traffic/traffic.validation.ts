import { isIP } from 'node:net';
import { checkRoutingRule, isFieldProblem, ROUTING_LIMITS, type RoutingRule } from '@msec/contracts';
import { invalid } from '../services/services.errors.js';
import { serviceName } from '../services/services.validation.js';

/** Full method names as the RPC layer has them: pkg.Service.Method (the package may have dots). */
const METHOD = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){2,}$/;
const BREAKER_KEYS = ['windowMs', 'minCalls', 'errorRatio', 'slowCallMs', 'slowRatio', 'openMs', 'halfOpenProbes'] as const;
const BY = /^[A-Za-z0-9._@-]{1,64}$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object');
  return value as Record<string, unknown>;
}

function by(value: unknown): string {
  if (value === undefined) return 'unknown';
  if (typeof value !== 'string' || !BY.test(value))
    throw invalid('by', 'must be the user name of who makes the change (1-64 of letters, digits, . _ @ -)');
  return value;
}

function method(value: unknown, field = 'method'): string {
  if (value === '*') return value;
  if (typeof value !== 'string' || !METHOD.test(value)) {
    throw invalid(field, 'must be a full method name pkg.Service.Method (e.g. flight.FlightService.Query), or * for every method');
  }
  return value;
}

/** A validated limit request. */
export function limitInput(body: unknown): {
  service: string;
  method: string;
  qps: number;
  burst?: number;
  cluster?: boolean;
  by: string;
} {
  const b = record(body, 'body');
  const qps = b.qps;
  if (typeof qps !== 'number' || !Number.isFinite(qps) || qps <= 0 || qps > 10_000_000) {
    throw invalid('qps', 'must be a positive number of requests per second per instance, e.g. 100');
  }
  if (b.cluster !== undefined && typeof b.cluster !== 'boolean')
    throw invalid('cluster', 'must be true (qps for the whole service) or false');
  const out = {
    service: serviceName(b.service, 'service'),
    method: method(b.method),
    qps,
    by: by(b.by),
    ...(b.cluster === true ? { cluster: true } : {}),
  };
  if (b.burst === undefined) return out;
  if (typeof b.burst !== 'number' || !Number.isFinite(b.burst) || b.burst < 1)
    throw invalid('burst', 'must be a number of at least 1, or left out');
  return { ...out, burst: b.burst };
}

/** A validated limit removal. */
export function limitRemoveInput(body: unknown): { service: string; method: string; by: string } {
  const b = record(body, 'body');
  return { service: serviceName(b.service, 'service'), method: method(b.method), by: by(b.by) };
}

/** Validated breaker settings; `{}` restores the defaults. */
export function breakerInput(body: unknown): { service: string; settings: Record<string, number>; by: string } {
  const b = record(body, 'body');
  const settings = record(b.settings ?? {}, 'settings');
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (!(BREAKER_KEYS as readonly string[]).includes(key))
      throw invalid(`settings.${key}`, `is not a breaker setting; use ${BREAKER_KEYS.join(', ')}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`settings.${key}`, 'must be a number');
    if ((key === 'errorRatio' || key === 'slowRatio') && !(value > 0 && value <= 1))
      throw invalid(`settings.${key}`, 'must be a ratio above 0 and at most 1');
    if ((key === 'minCalls' || key === 'halfOpenProbes') && !(Number.isInteger(value) && value >= 1)) {
      throw invalid(`settings.${key}`, 'must be an integer of at least 1');
    }
    if ((key === 'windowMs' || key === 'slowCallMs' || key === 'openMs') && !(value >= 1))
      throw invalid(`settings.${key}`, 'must be a number of milliseconds, at least 1');
    out[key] = value;
  }
  return { service: serviceName(b.service, 'service'), settings: out, by: by(b.by) };
}

/** A validated routing rule to set. */
export function routeInput(body: unknown): { service: string; rule: RoutingRule; by: string } {
  const b = record(body, 'body');
  const rule = checkRoutingRule(b.rule, 'rule');
  if (isFieldProblem(rule)) throw invalid(rule.field, rule.hint);
  return { service: serviceName(b.service, 'service'), rule, by: by(b.by) };
}

/** A validated routing rule removal. */
export function routeRemoveInput(body: unknown): { service: string; id: string; by: string } {
  const b = record(body, 'body');
  if (typeof b.id !== 'string' || !TAG.test(b.id)) throw invalid('id', 'must be the id of a routing rule (1-64 letters, digits, . _ -)');
  return { service: serviceName(b.service, 'service'), id: b.id, by: by(b.by) };
}

/** Validated tags of one instance (an empty list untags it). */
export function tagsInput(body: unknown): { service: string; ip: string; port: number; tags: string[]; by: string } {
  const b = record(body, 'body');
  const service = serviceName(b.service, 'service');
  if (typeof b.ip !== 'string' || isIP(b.ip) === 0) throw invalid('ip', `must be an IPv4 or IPv6 address; got ${JSON.stringify(b.ip)}`);
  if (typeof b.port !== 'number' || !Number.isInteger(b.port) || b.port < 1 || b.port > 65_535)
    throw invalid('port', `must be a whole number from 1 to 65535; got ${JSON.stringify(b.port)}`);
  if (!Array.isArray(b.tags) || b.tags.length > ROUTING_LIMITS.tags)
    throw invalid('tags', `must be a list of at most ${ROUTING_LIMITS.tags} tags, e.g. ["v2"]; [] untags the instance`);
  b.tags.forEach((tag: unknown, i) => {
    if (typeof tag !== 'string' || !TAG.test(tag)) throw invalid(`tags.${i}`, 'must be 1-64 letters, digits, . _ - (e.g. v2)');
  });
  const tags = [...new Set(b.tags as string[])].sort();
  return { service, ip: b.ip, port: b.port, tags, by: by(b.by) };
}
