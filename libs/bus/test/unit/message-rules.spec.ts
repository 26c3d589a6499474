import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExponentialRetry,
  FixedRetry,
  MAX_DELAY_MS,
  ScheduleRetry,
  TagMode,
  resolveDueTime,
  resolveRetryPolicy,
  subjectMatches,
  tagsMatch,
  validateSubject,
  validateTags,
} from '../../src/index.js';
import { encodeBody } from '../../src/messaging/message-codec.js';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { data?: { field?: string } }).data?.field;
  }
  return undefined;
}

describe('bus rules', () => {
  it('tags - QMQ semantics: no tag takes all, AND needs all, OR needs one, tagged consumers skip untagged', () => {
    assert.equal(tagsMatch([], TagMode.and, []), true);
    assert.equal(tagsMatch([], TagMode.or, ['a']), true);
    assert.equal(tagsMatch(['a'], TagMode.and, []), false);
    assert.equal(tagsMatch(['a'], TagMode.or, []), false);
    assert.equal(tagsMatch(['a', 'b'], TagMode.and, ['a', 'b', 'c']), true);
    assert.equal(tagsMatch(['a', 'b'], TagMode.and, ['a']), false);
    assert.equal(tagsMatch(['a', 'b'], TagMode.or, ['b']), true);
    assert.equal(tagsMatch(['a', 'b'], TagMode.or, ['c']), false);
  });

  it('validation - bad subjects, tags and delays name the field', () => {
    assert.equal(
      fieldOf(() => validateSubject('order..created')),
      'subject',
    );
    assert.equal(
      fieldOf(() => validateSubject('order.*')),
      'subject',
    );
    assert.equal(
      fieldOf(() => validateTags(Array.from({ length: 11 }, (_, i) => `t${i}`))),
      'tags',
    );
    assert.equal(
      fieldOf(() => resolveDueTime({ delayMs: -1 }, 0)),
      'delayMs',
    );
    assert.equal(
      fieldOf(() => resolveDueTime({ delayMs: Number.NaN }, 0)),
      'delayMs',
    );
    assert.equal(
      fieldOf(() => resolveDueTime({ delayMs: '5' }, 0)),
      'delayMs',
    );
    assert.equal(
      fieldOf(() => resolveDueTime({ delayMs: MAX_DELAY_MS + 1 }, 0)),
      'delayMs',
    );
    assert.equal(
      fieldOf(() => resolveDueTime({ deliverAt: new Date(Number.NaN) }, 0)),
      'deliverAt',
    );
    assert.equal(
      fieldOf(() => encodeBody({ n: 1n })),
      'body',
    );
    assert.equal(resolveDueTime({ delayMs: 499 }, 1_000), undefined);
    assert.equal(resolveDueTime({ delayMs: 5_000 }, 1_000), 6_000);
    assert.equal(resolveDueTime({ deliverAt: MAX_DELAY_MS }, 0), MAX_DELAY_MS);
  });

  it('subjects - patterns match with * and >', () => {
    assert.equal(subjectMatches('order.*', 'order.created'), true);
    assert.equal(subjectMatches('order.*', 'order.created.eu'), false);
    assert.equal(subjectMatches('order.>', 'order.created.eu'), true);
    assert.equal(subjectMatches('order.>', 'order'), false);
    assert.equal(subjectMatches('order.created', 'order.created'), true);
  });

  it('retry - QMQ default is 5 s fixed over 32 attempts; schedules and back-off resolve from config', () => {
    const d = resolveRetryPolicy(undefined);
    assert.ok(d instanceof FixedRetry);
    assert.equal(d.maxAttempts, 32);
    assert.equal(d.delayAfter(7), 5_000);
    const s = resolveRetryPolicy({ kind: 'schedule', delaysMs: [100, 200, 400] });
    assert.ok(s instanceof ScheduleRetry);
    assert.deepEqual(
      [1, 2, 3].map((a) => s.delayAfter(a)),
      [100, 200, 400],
    );
    assert.equal(s.maxAttempts, 4);
    const e = resolveRetryPolicy({ kind: 'exponential', initialMs: 100, maxDelayMs: 350, maxAttempts: 5 });
    assert.ok(e instanceof ExponentialRetry);
    assert.deepEqual(
      [1, 2, 3].map((a) => e.delayAfter(a)),
      [100, 200, 350],
    );
    assert.throws(() => resolveRetryPolicy({ kind: 'linear' } as never), { code: 'BUS_UNKNOWN_RETRY_POLICY' });
  });
});
