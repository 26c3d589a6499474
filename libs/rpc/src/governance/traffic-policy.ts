import { checkRoutingRule, isFieldProblem, sortRoutingRules, type RoutingRule } from '@msec/contracts';
import { invalidOption } from '../rpc.errors.js';
import { breakerSettings, type BreakerSettings } from './circuit-breaker.js';
import { checkRateLimit, type RateLimit } from './rate-limiter.js';

/**
 * A service's traffic policy as the registry publishes it (the `traffic` znode of the service): the rate limits its
 * instances enforce and the breaker settings its callers use. `version` rises with every change.
 */
export interface TrafficPolicy {
  version: number;
  limits: RateLimit[];
  breaker?: Partial<BreakerSettings>;
  /** Routing rules its callers follow, in the order they are tried. */
  routes: RoutingRule[];
}

/** Parses and checks a policy (znode data, an API body); throws RPC_INVALID_OPTION naming the field. */
export function parseTrafficPolicy(input: unknown, field = 'policy'): TrafficPolicy {
  let value = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
    } catch {
      throw invalidOption(field, 'is not JSON');
    }
  }
  if (typeof value !== 'object' || value === null) throw invalidOption(field, 'must be an object {version, limits, breaker?}');
  const { version, limits, breaker, routes } = value as Record<string, unknown>;
  if (!Number.isInteger(version) || (version as number) < 0) throw invalidOption(`${field}.version`, 'must be an integer, 0 or more');
  if (!Array.isArray(limits)) throw invalidOption(`${field}.limits`, 'must be a list of {method, qps, burst?}');
  const checked = limits.map((limit: unknown, i) => {
    if (typeof limit !== 'object' || limit === null) throw invalidOption(`${field}.limits.${i}`, 'must be {method, qps, burst?}');
    return checkRateLimit(limit as RateLimit, `${field}.limits.${i}`);
  });
  const methods = new Set<string>();
  checked.forEach((limit, i) => {
    if (methods.has(limit.method))
      throw invalidOption(`${field}.limits.${i}.method`, `${limit.method} is limited twice; keep one limit per method`);
    methods.add(limit.method);
  });
  if (routes !== undefined && !Array.isArray(routes)) throw invalidOption(`${field}.routes`, 'must be a list of routing rules');
  const rules = (routes ?? []).map((rule: unknown, i) => {
    const checkedRule = checkRoutingRule(rule, `${field}.routes.${i}`);
    if (isFieldProblem(checkedRule)) throw invalidOption(checkedRule.field, checkedRule.hint);
    return checkedRule;
  });
  const policy: TrafficPolicy = { version: version as number, limits: checked, routes: sortRoutingRules(rules) };
  if (breaker !== undefined) {
    if (typeof breaker !== 'object' || breaker === null) throw invalidOption(`${field}.breaker`, 'must be an object of breaker settings');
    breakerSettings(breaker as Partial<BreakerSettings>, `${field}.breaker`);
    policy.breaker = breaker as Partial<BreakerSettings>;
  }
  return policy;
}
