import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routingBucket } from '@msec/contracts';
import { parseTrafficPolicy, RoutingRules } from '../../src/index.js';

const rules = (routes: unknown[]): RoutingRules => RoutingRules.of(parseTrafficPolicy({ version: 1, limits: [], routes }).routes);

describe('routing rules', () => {
  it('routing rules - a rule by request field sends only the listed values to its tag', () => {
    const r = rules([{ id: 'beta', tag: 'v2', field: 'name', values: ['bison', '42'] }]);
    assert.equal(r.tagFor('Flight.mod_flight', { name: 'bison' }), 'v2');
    assert.equal(r.tagFor('Flight.mod_flight', { name: 42 }), 'v2', 'numbers compare as text');
    assert.equal(r.tagFor('Flight.mod_flight', { name: 'ant' }), undefined);
    assert.equal(r.tagFor('Flight.mod_flight', {}), undefined);
  });

  it('routing rules - conditions must all hold, and the first matching rule in order decides', () => {
    const r = rules([
      { id: 'z-late', tag: 'v3', caller: 'Flight.mod_flight' },
      { id: 'early', tag: 'v2', order: 1, caller: 'Flight.mod_flight', field: 'name', values: ['bison'] },
    ]);
    assert.equal(r.tagFor('Flight.mod_flight', { name: 'bison' }), 'v2');
    assert.equal(r.tagFor('Flight.mod_flight', { name: 'ant' }), 'v3');
    assert.equal(r.tagFor('Hotel.mod_hotel', { name: 'bison' }), undefined, 'another caller matches neither');
    assert.equal(r.ruleFor('Flight.mod_flight', { name: 'ant' })?.id, 'z-late', 'the rule that decided is named (counted as a hit)');
  });

  it('routing rules - a percent of a field is stable per value and close to the share asked', () => {
    const r = rules([{ id: 'tenth', tag: 'v2', field: 'user', percent: 10 }]);
    const users = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    const first = users.map((u) => r.tagFor('A.b', { user: u }));
    assert.deepEqual(
      users.map((u) => r.tagFor('A.b', { user: u })),
      first,
      'the same user always lands on the same side',
    );
    const share = first.filter((t) => t === 'v2').length / users.length;
    assert.ok(share > 0.08 && share < 0.12, `about 10 % of users, got ${share}`);
    assert.equal(routingBucket('bison'), routingBucket('bison'));
  });

  it('routing rules - the hash bucket is FNV-1a of the UTF-8 bytes, so callers in other languages agree', () => {
    const reference = (text: string): number => {
      let hash = 0x811c9dc5;
      for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
      return hash % 100;
    };
    for (const text of ['bison', '', 'user-42', '用户', 'é', '😀 emoji', 'lone \ud800 surrogate', 'x\udc00y'])
      assert.equal(routingBucket(text), reference(text), JSON.stringify(text));
    assert.equal(routingBucket('a'), 0xe40c292c % 100, 'the FNV-1a test vector of "a"');
  });

  it('routing rules - a percent alone takes that share of requests at random', () => {
    const r = rules([{ id: 'fifth', tag: 'v2', percent: 20 }]);
    let n = 0;
    for (let i = 0; i < 10_000; i++) if (r.tagFor('A.b', {}) === 'v2') n++;
    assert.ok(n > 1700 && n < 2300, `about 2,000 of 10,000, got ${n}`);
  });

  it('routing rules - a bad rule in a policy is refused naming its field', () => {
    assert.throws(() => rules([{ id: 'x', tag: 'v2' }]), { code: 'RPC_INVALID_OPTION', message: /policy\.routes\.0\.caller/ });
    assert.throws(() => rules([{ id: 'x', tag: 'v2', field: 'name' }]), /policy\.routes\.0\.field/);
    assert.throws(() => rules([{ id: 'x', tag: 'bad tag', caller: 'A.b' }]), /policy\.routes\.0\.tag/);
    assert.throws(() => rules([{ id: 'x', tag: 'v2', caller: 'A.b', colour: 1 }]), /policy\.routes\.0\.colour/);
  });
});
