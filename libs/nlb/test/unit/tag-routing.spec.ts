import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Nlb, StaticRouteSource, type RouteInstance } from '../../src/index.js';
import { decodeRouteInstance, encodeRouteInstance } from '../../src/route-codec.js';
import { seeded } from './seeded.js';

const inst = (port: number, tags?: string[]): RouteInstance => ({
  ip: '127.0.0.1',
  port,
  weight: 1000,
  enabled: true,
  live: true,
  protocol: 'msec',
  ...(tags ? { tags } : {}),
});

function ports(nlb: Nlb, n: number, tag?: string, report?: (port: number) => boolean): Set<number> {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const route = nlb.getRoute('Svc.a', undefined, tag);
    seen.add(route.port);
    if (report) nlb.reportResult(route, report(route.port), 1);
  }
  return seen;
}

describe('nlb tag routing', () => {
  it('tag routing - a tagged request goes only to the instances with that tag; the others only to untagged ones', () => {
    const clock = { now: () => 0 };
    const nlb = new Nlb({
      routes: new StaticRouteSource({ 'Svc.a': [inst(1), inst(2), inst(3, ['v2']), inst(4, ['v2', 'canary'])] }),
      clock,
      random: seeded(3),
    });
    assert.deepEqual([...ports(nlb, 200, 'v2')].sort(), [3, 4]);
    assert.deepEqual([...ports(nlb, 200, 'canary')], [4]);
    assert.deepEqual([...ports(nlb, 200)].sort(), [1, 2], 'requests no rule sends to a tag stay off the tagged instances');
    assert.deepEqual([...ports(nlb, 200, 'v3')].sort(), [1, 2], 'a tag no instance carries: normal selection');
  });

  it('tag routing - when every tagged instance is ejected, tagged requests go to the untagged ones', () => {
    let t = 0;
    const nlb = new Nlb({
      routes: new StaticRouteSource({ 'Svc.a': [inst(1), inst(3, ['v2'])] }),
      clock: { now: () => t },
      random: seeded(5),
    });
    for (let i = 0; i < 20; i++) nlb.reportResult(nlb.getRoute('Svc.a', undefined, 'v2'), false, 1);
    t += 100;
    assert.deepEqual([...ports(nlb, 50, 'v2', () => true)], [1], 'the failing tagged instance is ejected: untagged take over');
  });

  it('tag routing - when every instance is tagged, untagged requests use them all', () => {
    const nlb = new Nlb({
      routes: new StaticRouteSource({ 'Svc.a': [inst(3, ['v2']), inst(4, ['v1'])] }),
      clock: { now: () => 0 },
      random: seeded(9),
    });
    assert.deepEqual([...ports(nlb, 100)].sort(), [3, 4]);
  });

  it('tag routing - tags survive the instance znode, and a znode without tags reads as untagged', () => {
    const tagged = decodeRouteInstance(
      '/x',
      encodeRouteInstance({ ip: '10.0.0.1', port: 7, weight: 100, enabled: true, protocol: 'msec', tags: ['v2'] }),
    );
    assert.deepEqual(tagged.tags, ['v2']);
    const plain = decodeRouteInstance('/x', encodeRouteInstance({ ip: '10.0.0.1', port: 7, weight: 100, enabled: true, protocol: 'msec' }));
    assert.equal(plain.tags, undefined);
    assert.throws(() => decodeRouteInstance('/x', Buffer.from('{"ip":"10.0.0.1","port":7,"tags":"v2"}')), { code: 'NLB_INVALID_ROUTE' });
  });
});
