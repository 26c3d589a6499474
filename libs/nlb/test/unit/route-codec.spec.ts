import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertServiceName, decodeRouteInstance, encodeRouteInstance, RoutePaths, type NlbError } from '../../src/index.js';

describe('route codec', () => {
  it('route codec - round-trips an instance and fills defaults', () => {
    const instance = { ip: '10.0.0.1', port: 7963, weight: 500, enabled: true, protocol: 'msec' };
    assert.deepEqual(decodeRouteInstance('/p', encodeRouteInstance(instance)), instance);
    assert.deepEqual(decodeRouteInstance('/p', Buffer.from('{"ip":"127.0.0.1","port":80}')), {
      ip: '127.0.0.1',
      port: 80,
      weight: 1000,
      enabled: false,
      protocol: 'msec',
    });
  });

  it('route codec - clamps weights to MSEC bounds 100..10000', () => {
    assert.equal(decodeRouteInstance('/p', Buffer.from('{"ip":"1.2.3.4","port":1,"weight":5}')).weight, 100);
    assert.equal(decodeRouteInstance('/p', Buffer.from('{"ip":"1.2.3.4","port":1,"weight":99999}')).weight, 10_000);
  });

  it('route codec - rejects bad data with NLB_INVALID_ROUTE naming the path and the problem', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /no data/],
      ['nope', /not JSON/],
      ['{"ip":"x","port":1}', /ip must be/],
      ['{"ip":"1.2.3.4","port":70000}', /port must be/],
      ['{"ip":"1.2.3.4","port":1,"enabled":"on"}', /enabled must be/],
    ];
    for (const [data, why] of cases) {
      assert.throws(
        () => decodeRouteInstance('/msec/routes/A.b/x', Buffer.from(data)),
        (e: NlbError) => e.code === 'NLB_INVALID_ROUTE' && why.test(e.message) && e.message.includes('/msec/routes/A.b/x'),
      );
    }
  });

  it('route codec - service names are First.Second', () => {
    assertServiceName('Flight.mod_flight');
    for (const bad of ['Flight', 'a.b.c', '1a.b', 'a.b-c', '../x.y'])
      assert.throws(() => assertServiceName(bad), { code: 'NLB_INVALID_SERVICE_NAME' });
    assert.equal(RoutePaths.instance('A.b', '1.2.3.4:80'), '/msec/services/A.b/instances/1.2.3.4:80');
  });
});
