import type { NatsConnection } from '@nats-io/transport-node';
import { LOG_COLOUR_KEY, type ColourRule } from '@msec/contracts';
import { ColourBucketKeyWatcher } from './colour-bucket-watcher.js';

/** The first rule whose field equals its value in `fields` (values compared as text), or undefined. */
export function matchesColourRule(
  rules: readonly ColourRule[],
  fields: Readonly<Record<string, unknown>>,
  now = Date.now(),
): ColourRule | undefined {
  for (const rule of rules) {
    if (rule.expiresAt !== undefined && rule.expiresAt <= now) continue;
    const value = fields[rule.field];
    if (value !== undefined && value !== null && String(value) === rule.value) return rule;
  }
  return undefined;
}

/** Parses the bucket value; anything malformed counts as no rules rather than breaking logging. */
export function parseColourRules(text: string): ColourRule[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (r): r is ColourRule =>
        typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.field === 'string' && typeof r.value === 'string',
    );
  } catch {
    return [];
  }
}

/** The colouring rules currently known to this process; replaced whole when the log service publishes new ones. */
export class ColourRuleSet {
  private current: readonly ColourRule[] = [];
  private readonly listeners = new Set<(rules: readonly ColourRule[]) => void>();

  /** The rules now. */
  get rules(): readonly ColourRule[] {
    return this.current;
  }

  /** Replaces every rule. */
  replace(rules: readonly ColourRule[]): void {
    this.current = Object.freeze([...rules]);
    for (const listener of this.listeners) listener(this.current);
  }

  /** The first matching rule for these fields. */
  match(fields: Readonly<Record<string, unknown>>): ColourRule | undefined {
    return this.current.length === 0 ? undefined : matchesColourRule(this.current, fields);
  }

  /** Calls back on every change; returns the unsubscribe function. */
  onChange(listener: (rules: readonly ColourRule[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Keeps a ColourRuleSet in step with the colouring rules in the log service's KV bucket. */
export class ColourRuleWatcher extends ColourBucketKeyWatcher {
  constructor(nc: NatsConnection, set: ColourRuleSet, retryMs = 2000) {
    super(nc, LOG_COLOUR_KEY, (text) => set.replace(text === undefined ? [] : parseColourRules(text)), retryMs);
  }
}
