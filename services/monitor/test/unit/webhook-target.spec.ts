import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { internalAddressOf, isInternalAddress, webhookTargetOf } from '@msec/platform';
import { loadMonitorConfig } from '../../src/config/monitor.config.js';

describe('alarm webhook targets', () => {
  it('webhook target - loopback, unspecified, link-local and the metadata address are internal; others are not', () => {
    for (const ip of ['127.0.0.1', '127.8.9.10', '0.0.0.0', '169.254.169.254', '::1', '::', 'fe80::1', '::ffff:127.0.0.1'])
      assert.equal(isInternalAddress(ip), true, ip);
    for (const ip of ['203.0.113.7', '10.1.2.3', '192.168.1.1', '2001:db8::1', '::ffff:203.0.113.7'])
      assert.equal(isInternalAddress(ip), false, ip);
  });

  it('webhook target - a URL naming localhost or a loopback literal resolves to an internal address', async () => {
    assert.ok(await internalAddressOf('http://localhost:9/hook'));
    assert.equal(await internalAddressOf('http://[::1]:9/hook'), '::1');
    assert.equal(await internalAddressOf('http://169.254.169.254/latest/meta-data/'), '169.254.169.254');
    assert.equal(await internalAddressOf('http://203.0.113.7/hook'), undefined);
  });

  it('webhook target - checked at rule creation: literals and localhost as written, names resolved, unresolvable names reported', async () => {
    assert.deepEqual(await webhookTargetOf('http://127.0.0.1:9/hook'), { kind: 'internal', address: '127.0.0.1' });
    assert.deepEqual(await webhookTargetOf('http://[fe80::1]/hook'), { kind: 'internal', address: 'fe80::1' });
    assert.deepEqual(await webhookTargetOf('http://LOCALHOST/hook'), { kind: 'internal', address: 'localhost' });
    assert.deepEqual(await webhookTargetOf('http://metrics.localhost/hook'), { kind: 'internal', address: 'metrics.localhost' });
    assert.deepEqual(await webhookTargetOf('http://203.0.113.7/hook'), { kind: 'outside' });
    assert.deepEqual(await webhookTargetOf('http://localhost./hook'), { kind: 'internal', address: 'localhost' });
    assert.equal((await webhookTargetOf('http://no-such-host.invalid/hook')).kind, 'unresolved');
  });

  it('webhook target - internal targets are refused unless webhookAllowInternal is set', () => {
    assert.equal(loadMonitorConfig({}).webhookAllowInternal, false);
    assert.equal(loadMonitorConfig({ MSEC_MONITOR_WEBHOOK_ALLOW_INTERNAL: 'true' }).webhookAllowInternal, true);
  });
});
