import { invalidField } from '../bus.errors.js';
import type { MessageBus } from './message-bus.js';
import { validateTags } from './message-validation.js';
import type { RetryPolicy, RetryPolicySpec } from './retry/retry-policy.js';
import { TagMode, tagsMatch } from './tag-matcher.js';

/** What a group member's options say about the messages it takes and how it retries them. */
export interface ConsumerRuleOptions {
  tags?: string[];
  tagMode?: TagMode;
  retry?: RetryPolicySpec | RetryPolicy;
  ackLeaseMs?: number;
}

/** The checked rules every kind of consumer (push, pull, key-ordered) applies alike. */
export interface ConsumerRules {
  tags: string[];
  tagMode: TagMode;
  policy: RetryPolicy;
  leaseMs: number;
}

/** Checks a consumer's options (errors name the field) and resolves its retry policy for the subject. */
export function consumerRules(bus: MessageBus, subject: string, options: ConsumerRuleOptions): ConsumerRules {
  const tags = validateTags(options.tags);
  const tagMode = options.tagMode ?? TagMode.and;
  if (tagMode !== TagMode.and && tagMode !== TagMode.or) throw invalidField('tagMode', 'must be "and" or "or"');
  const leaseMs = options.ackLeaseMs ?? 30_000;
  if (!(leaseMs >= 1_000)) throw invalidField('ackLeaseMs', 'must be at least 1000 ms');
  return { tags, tagMode, policy: bus.retryPolicyFor(subject, options.retry), leaseMs };
}

/**
 * True when a group should handle the message: a re-driven dead letter is meant for one group only (`target`), and
 * a tag filter is QMQ's server-side filter.
 */
export function takesMessage(rules: ConsumerRules, group: string, target: string | undefined, tags: string[]): boolean {
  return !(target && target !== group) && tagsMatch(rules.tags, rules.tagMode, tags);
}
