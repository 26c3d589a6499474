import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { LOG_COLOUR_BUCKET, LOG_COLOUR_KEY, type ColourRule } from '@msec/contracts';

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

/**
 * Keeps a ColourRuleSet in step with the log service's KV bucket: the watch delivers the current value first
 * (the fetch at start) and then every change within milliseconds. Retries every `retryMs` while NATS or the
 * bucket is missing.
 */
export class ColourRuleWatcher {
  private stopped = false;
  private stopWatch: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly set: ColourRuleSet,
    private readonly retryMs = 2000,
  ) {
    this.done = this.run();
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    await this.done;
  }

  private async run(): Promise<void> {
    while (!this.stopped && !this.nc.isClosed()) {
      try {
        const kv = await new Kvm(this.nc).open(LOG_COLOUR_BUCKET);
        await kv.status();
        const watch = await kv.watch({ key: LOG_COLOUR_KEY });
        this.stopWatch = () => watch.stop();
        if (this.stopped) watch.stop();
        for await (const entry of watch) {
          this.set.replace(entry.operation === 'PUT' ? parseColourRules(entry.string()) : []);
        }
      } catch {
        // Bucket not created yet or NATS unreachable: try again shortly.
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, this.retryMs).unref());
    }
  }
}
