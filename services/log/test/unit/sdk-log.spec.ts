import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ColourRuleSet, SpoolFile, matchesColourRule, newLineId, parseColourRules, spanFromServedCall } from '../sdk-log.js';
import { validateColourRule } from '../../src/colour/colour.domain.js';

describe('sdk logger pieces', () => {
  it('colouring - rules match on text equality and expire', () => {
    const rules = [
      { id: 'old', field: 'name', value: 'ant', expiresAt: 10 },
      { id: 'user', field: 'uid', value: '42' },
    ];
    assert.equal(matchesColourRule(rules, { uid: 42 }, 5)?.id, 'user');
    assert.equal(matchesColourRule(rules, { name: 'ant' }, 5)?.id, 'old');
    assert.equal(matchesColourRule(rules, { name: 'ant' }, 11), undefined);
    assert.equal(matchesColourRule(rules, {}, 5), undefined);
  });

  it('colouring - a malformed bucket value means no rules', () => {
    assert.deepEqual(parseColourRules('{'), []);
    assert.deepEqual(parseColourRules('[{"id":"a","field":"f","value":"v"},{"id":1}]'), [{ id: 'a', field: 'f', value: 'v' }]);
    const set = new ColourRuleSet();
    let seen = -1;
    set.onChange((r) => (seen = r.length));
    set.replace(parseColourRules('[{"id":"a","field":"f","value":"v"}]'));
    assert.equal(seen, 1);
    assert.equal(set.match({ f: 'v' })?.id, 'a');
  });

  it('colouring - a rule names the bad field', () => {
    assert.throws(() => validateColourRule({ id: 'a b', field: 'f', value: 'v' }), /id:/);
    assert.throws(() => validateColourRule({ id: 'a', field: '', value: 'v' }), /field:/);
    assert.deepEqual(validateColourRule({ id: 'a', field: 'uid', value: 42 }), { id: 'a', field: 'uid', value: '42' });
  });

  it('ids - line ids are unique and sort by time', () => {
    const a = newLineId(1000);
    const b = newLineId(1000);
    const c = newLineId(2000);
    assert.notEqual(a, b);
    assert.ok(a < c && b < c);
    assert.equal(a.length, 26);
  });

  it('spool - appends up to its bound, drops the rest and skips a torn last line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msec-test-spool-'));
    try {
      const spool = new SpoolFile(join(dir, 's.jsonl'), 30);
      assert.equal(await spool.append(['{"a":1}', '{"a":2}', '{"a":3}', '{"a":4}']), 1);
      assert.deepEqual(await spool.readAll(), ['{"a":1}', '{"a":2}', '{"a":3}']);
      await spool.replace(['{"a":3}']);
      assert.equal(await spool.size(), 8);
      await spool.replace([]);
      assert.equal(await spool.size(), 0);
      writeFileSync(join(dir, 't.jsonl'), '{"a":1}\n{"a":');
      assert.deepEqual(await new SpoolFile(join(dir, 't.jsonl'), 100).readAll(), ['{"a":1}']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('spans - a served call becomes a span ending now; untraced calls give none', () => {
    const call = {
      method: 'a.B.C',
      caller: undefined,
      ok: false,
      code: 'RPC_TIMEOUT',
      latencyMs: 12,
      traceId: 't',
      spanId: 's',
      parentSpanId: 'p',
    };
    assert.deepEqual(spanFromServedCall(call, 'B.mod_b', undefined, 1000), {
      traceId: 't',
      spanId: 's',
      parentSpanId: 'p',
      caller: 'client',
      callee: 'B.mod_b',
      method: 'a.B.C',
      start: 988,
      duration: 12,
      status: 'error',
      errorCode: 'RPC_TIMEOUT',
    });
    assert.equal(spanFromServedCall({ ...call, traceId: undefined }, 'B.mod_b'), undefined);
  });
});
