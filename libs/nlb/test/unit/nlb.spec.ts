import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adaptiveOptions, InstanceHealth, Nlb, StaticRouteSource, type RouteInstance } from '../../src/index.js';
import { seeded } from './seeded.js';

const inst = (port: number, weight = 1000, enabled = true, live = true): RouteInstance => ({
  ip: '127.0.0.1',
  port,
  weight,
  enabled,
  live,
  protocol: 'msec',
});

function setup(instances: RouteInstance[], strategy = 'smooth-weighted') {
  const clock = {
    t: 0,
    now() {
      return this.t;
    },
  };
  const routes = new StaticRouteSource({ 'Svc.a': instances });
  const nlb = new Nlb({ routes, clock, random: seeded(7), strategy });
  return { nlb, clock, routes };
}

function share(nlb: Nlb, n: number, onPick?: (port: number, report: (ok: boolean, ms: number) => void) => void): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = nlb.getRoute('Svc.a');
    counts.set(r.port, (counts.get(r.port) ?? 0) + 1);
    onPick?.(r.port, (ok, ms) => nlb.reportResult(r, ok, ms));
  }
  return counts;
}

const weightOf = (nlb: Nlb, port: number) => nlb.weights('Svc.a').find((w) => w.key === `127.0.0.1:${port}`)!;

describe('nlb', () => {
  it('nlb - routes only to enabled and live instances, and says why when none is', async () => {
    const { nlb } = setup([inst(1), inst(2, 1000, false), inst(3, 1000, true, false)]);
    assert.deepEqual([...share(nlb, 200).keys()], [1]);
    const none = new Nlb({ routes: new StaticRouteSource({ 'Svc.a': [inst(2, 1000, false)] }) });
    assert.throws(
      () => none.getRoute('Svc.a'),
      (e: Error & { code: string }) => e.code === 'NLB_NO_ROUTE' && /none is/.test(e.message),
    );
    await assert.rejects(none.route('Svc.missing'), { code: 'NLB_NO_ROUTE', retryable: true });
  });

  it('nlb - follows static weights when everything is healthy', () => {
    const { nlb } = setup([inst(1, 3000), inst(2, 1000)]);
    const counts = share(nlb, 8_000, (_p, report) => report(true, 1));
    assert.equal(counts.get(1), 6_000);
    assert.equal(counts.get(2), 2_000);
  });

  it('nlb - ejects an instance after three failures in a row, within a few calls', () => {
    const { nlb } = setup([inst(1), inst(2)]);
    let failures = 0;
    share(nlb, 50, (port, report) => {
      if (port === 2) failures++;
      report(port !== 2, 1);
    });
    assert.equal(failures, 3);
    assert.equal(weightOf(nlb, 2).state, 'ejected');
    assert.equal(weightOf(nlb, 2).effectiveWeight, 0);
  });

  it('nlb - probes an ejected instance with one call when its time is up, then ramps it back from 10 %', () => {
    const { nlb, clock } = setup([inst(1), inst(2)]);
    share(nlb, 20, (port, report) => report(port !== 2, 1));
    assert.equal(share(nlb, 100).get(2), undefined);
    clock.t = 1_001;
    const probe = nlb.getRoute('Svc.a');
    assert.equal(probe.port, 2);
    assert.equal(nlb.getRoute('Svc.a').port, 1, 'only one probe while it is out');
    nlb.reportResult(probe, true, 1);
    assert.equal(weightOf(nlb, 2).state, 'recovering');
    assert.ok(Math.abs(weightOf(nlb, 2).effectiveWeight - 100) < 1e-9, `starts at 10 %: ${weightOf(nlb, 2).effectiveWeight}`);
    clock.t += 5_000;
    assert.ok(Math.abs(weightOf(nlb, 2).effectiveWeight - 550) < 1e-9);
    clock.t += 5_000;
    assert.equal(weightOf(nlb, 2).state, 'healthy');
    assert.equal(weightOf(nlb, 2).effectiveWeight, 1000);
  });

  it('nlb - a failed probe ejects again for twice as long', () => {
    const h = new InstanceHealth(adaptiveOptions());
    for (let i = 0; i < 3; i++) h.record(false, 0, 0);
    assert.equal(h.ejectedUntil, 1_000);
    assert.ok(h.probeDue(1_000));
    h.markProbe(1_000);
    assert.equal(h.probeDue(1_001), false);
    h.record(false, 0, 1_010);
    assert.equal(h.ejectedUntil, 1_010 + 2_000);
  });

  it('nlb - calls that were in flight when an instance was ejected fail without making the ejection longer', () => {
    const h = new InstanceHealth(adaptiveOptions());
    for (let i = 0; i < 3; i++) h.record(false, 1_000, 1_000);
    assert.equal(h.ejectedUntil, 2_000);
    // Five more calls sent before the ejection time out (a host whose link dropped): they say nothing new.
    for (let i = 0; i < 5; i++) h.record(false, 1_000, 1_050 + i);
    assert.equal(h.ejectedUntil, 2_000, 'still the first ejection, not 32 s');
    assert.ok(h.probeDue(2_000));
    h.markProbe(2_000);
    h.record(true, 3, 2_003);
    assert.equal(h.state, 'recovering', 'the probe brings it back once its link is up');
  });

  it('nlb - shifts traffic away from a steadily slow instance, but one slow reply does not', () => {
    const { nlb } = setup([inst(1), inst(2)]);
    share(nlb, 200, (_p, report) => report(true, 2));
    const before = weightOf(nlb, 2).effectiveWeight;
    const r = nlb.getRoute('Svc.a');
    nlb.reportResult(r, true, 1_000);
    assert.ok(weightOf(nlb, r.port).effectiveWeight > 0.5 * before, `one slow reply: ${weightOf(nlb, r.port).effectiveWeight}`);
    const counts = share(nlb, 4_000, (port, report) => report(true, port === 1 ? 2 : 40));
    const slow = (counts.get(2) ?? 0) / 4_000;
    assert.ok(slow < 0.2, `slow instance got ${slow}`);
    assert.ok(weightOf(nlb, 2).effectiveWeight >= 100 - 1e-9, 'keeps at least minLatencyFactor of its weight');
  });

  it('nlb - when every instance is ejected it still tries one (fail open) rather than refusing calls', () => {
    const { nlb } = setup([inst(1), inst(2)]);
    share(nlb, 40, (_p, report) => report(false, 1));
    assert.ok([1, 2].includes(nlb.getRoute('Svc.a').port));
  });

  it('nlb - sees route changes at once and keeps the record of instances that stay', () => {
    const { nlb, routes } = setup([inst(1), inst(2)]);
    share(nlb, 20, (port, report) => report(port !== 2, 1));
    routes.set('Svc.a', [inst(1), inst(2), inst(3)]);
    const counts = share(nlb, 300);
    assert.equal(counts.get(2), undefined, 'still ejected');
    assert.ok((counts.get(3) ?? 0) > 100);
  });

  it('nlb - consistent hash by key sends a key to one instance', () => {
    const { nlb } = setup([inst(1), inst(2), inst(3)], 'consistent-hash');
    const port = nlb.getRoute('Svc.a', 'user-7').port;
    for (let i = 0; i < 50; i++) assert.equal(nlb.getRoute('Svc.a', 'user-7').port, port);
  });

  it('nlb - rejects bad options naming the field', () => {
    assert.throws(() => adaptiveOptions({ minSuccessRatio: 2 }), { code: 'NLB_INVALID_OPTION', message: /adaptive.minSuccessRatio/ });
    assert.throws(() => new Nlb({ routes: new StaticRouteSource(), strategy: 'nope' }), { code: 'NLB_UNKNOWN_STRATEGY' });
  });
});
