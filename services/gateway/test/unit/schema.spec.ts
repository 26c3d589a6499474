import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { s } from '../../src/http/schema.js';

const body = s.object({
  name: s.string({ min: 1, max: 5 }),
  count: s.int({ min: 1 }).optional(),
  kind: s.oneOf(['a', 'b'] as const),
  on: s.boolean().optional(),
});

function issues(value: unknown) {
  const result = body['~standard'].validate(value);
  if (result instanceof Promise) throw new Error('sync expected');
  return result.issues?.map((i) => `${(i.path ?? []).join('.')}: ${i.message}`);
}

describe('schema', () => {
  it('schema - accepts a valid object, coercing query-style integers and booleans', () => {
    const r = body['~standard'].validate({ name: 'abc', count: '3', kind: 'a', on: 'true' });
    assert.deepEqual(r, { value: { name: 'abc', count: 3, kind: 'a', on: true } });
  });

  it('schema - names each bad field: missing, wrong type, out of range, unknown', () => {
    assert.deepEqual(issues({ count: 0, kind: 'c', extra: 1 }), [
      'extra: is not a known field',
      'name: is required',
      'count: must be ≥ 1',
      'kind: must be one of a, b',
    ]);
    assert.deepEqual(issues({ name: 'toolong', kind: 'a' }), ['name: must be at most 5 characters']);
    assert.deepEqual(issues('x'), [': must be a JSON object']);
  });

  it('schema - emits JSON Schema for OpenAPI from the same definition', () => {
    assert.deepEqual(body.json.required, ['name', 'kind']);
    assert.deepEqual((body.json.properties as Record<string, unknown>).kind, { type: 'string', enum: ['a', 'b'] });
    assert.equal(body.json.additionalProperties, false);
  });

  it('schema - a nullable field passes null through, still checks other values, and may be left out', () => {
    const days = s.object({ days: s.int({ min: 1 }).nullable().optional() });
    assert.deepEqual(days['~standard'].validate({ days: null }), { value: { days: null } });
    assert.deepEqual(days['~standard'].validate({}), { value: {} });
    const bad = days['~standard'].validate({ days: 0 });
    assert.ok(!(bad instanceof Promise) && bad.issues?.[0]?.message === 'must be ≥ 1');
    assert.equal((days.json.properties as Record<string, { nullable?: boolean }>).days?.nullable, true);
  });
});
