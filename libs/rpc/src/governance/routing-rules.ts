import { routingBucket, type RoutingRule } from '@msec/contracts';

/**
 * A callee's routing rules as one caller applies them: `tagFor` names the tag of the instances a request goes to, or
 * undefined for normal selection. A caller without rules pays one length check per call.
 */
export class RoutingRules {
  static readonly none = new RoutingRules([]);

  private constructor(private readonly rules: readonly RoutingRule[]) {}

  /** Rules already checked and in the order they are tried (the traffic policy's). */
  static of(rules: readonly RoutingRule[]): RoutingRules {
    return rules.length === 0 ? RoutingRules.none : new RoutingRules(rules);
  }

  get size(): number {
    return this.rules.length;
  }

  /** The tag of the first rule the request matches, or undefined. */
  tagFor(caller: string, request: unknown, random: () => number = Math.random): string | undefined {
    return this.ruleFor(caller, request, random)?.tag;
  }

  /** The first rule the request matches, or undefined. */
  ruleFor(caller: string, request: unknown, random: () => number = Math.random): RoutingRule | undefined {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (rule.caller !== undefined && rule.caller !== caller) continue;
      if (rule.field !== undefined) {
        const value = fieldText(request, rule.field);
        if (value === undefined) continue;
        if (rule.values !== undefined ? !rule.values.includes(value) : routingBucket(value) >= rule.percent!) continue;
      } else if (rule.percent !== undefined && random() * 100 >= rule.percent) {
        continue;
      }
      return rule;
    }
    return undefined;
  }
}

/** A top-level request field as text (numbers and booleans too), or undefined when absent or not a scalar. */
function fieldText(request: unknown, field: string): string | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const value = (request as Record<string, unknown>)[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // protobufjs gives 64-bit integers as Long objects: their text is the number.
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) return String(value);
  return undefined;
}
