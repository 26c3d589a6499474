import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeploySubjects, NatsRole, natsPermissionsFor, natsPermissionsTable } from '../../src/index.js';

// libs/contracts/dist/test/unit/*.spec.js: five levels up is the repository root.
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..');
// prettier leaves the table as generated between its ignore markers.
const BEGIN = '<!-- nats-permissions:begin -->\n<!-- prettier-ignore-start -->';
const END = '<!-- prettier-ignore-end -->\n<!-- nats-permissions:end -->';

describe('nats permissions', () => {
  it('nats permissions - docs/security.md shows the table generated from the contracts', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');
    const inDoc = doc.slice(doc.indexOf(BEGIN) + BEGIN.length, doc.indexOf(END)).trim();
    assert.ok(doc.includes(BEGIN) && doc.includes(END), `docs/security.md lacks the ${BEGIN} … ${END} markers`);
    assert.equal(
      inDoc,
      natsPermissionsTable(),
      'docs/security.md is out of date: paste the output of natsPermissionsTable() (from @msec/contracts) between the markers',
    );
  });

  it('nats permissions - no identity may publish or subscribe to everything', () => {
    for (const role of Object.values(NatsRole)) {
      const p = natsPermissionsFor(role, 'h1');
      assert.ok(!p.publish.includes('>') && !p.subscribe.includes('>'), `${role} has '>'`);
    }
  });

  it('nats permissions - an agent subscribes only to its own commands and publishes events only as its own host', () => {
    const p = natsPermissionsFor(NatsRole.agent, 'h1');
    assert.ok(p.subscribe.includes(DeploySubjects.agentCommand('h1')));
    assert.ok(!p.subscribe.some((s) => s.includes('*') || s === 'msec.agent.>'));
    assert.ok(p.publish.includes(DeploySubjects.agentHeartbeat('h1')));
    assert.ok(!p.publish.some((s) => s.startsWith('msec.events.agent.') && !s.startsWith('msec.events.agent.h1.')));
    assert.ok(!p.publish.some((s) => s.startsWith('msec.deploy.')));
  });

  it('nats permissions - a business service may not request console operations nor read the console', () => {
    const p = natsPermissionsFor(NatsRole.service, 'flight');
    assert.ok(!p.publish.some((s) => /^msec\.(deploy|registry|kv|bus|monitor)\./.test(s) || s.startsWith('$O')));
    // Of the KV buckets it writes only its own cluster rate limit counts.
    assert.deepEqual(
      p.publish.filter((s) => s.startsWith('$KV')),
      ['$KV.msec_quota.flight.=.>'],
    );
    // The console's event stream is out of reach; the feed automation reads may be consumed, never written.
    assert.ok(!p.publish.some((s) => /MSEC_EVENTS($|\.)/.test(s) || s.startsWith('msec.evt')));
    assert.ok(p.publish.includes('$JS.API.CONSUMER.MSG.NEXT.MSEC_EVENTS_FEED.>'));
    assert.ok(
      !p.publish.some((s) => s.startsWith('$JS.API.STREAM.') && s.includes('FEED') && !s.startsWith('$JS.API.STREAM.INFO.')),
      'no feed writes',
    );
    assert.ok(!p.publish.some((s) => s.startsWith('$JS.API.CONSUMER.DELETE.MSEC_EVENTS_FEED')), 'no deleting automation consumers');
    assert.deepEqual(p.subscribe, ['_INBOX_service-flight.>']);
    assert.equal(p.allowResponses, false);
  });

  it("nats permissions - console back-ends may not use each other's operations nor publish each other's events", () => {
    const log = natsPermissionsFor(NatsRole.log);
    assert.ok(log.publishDeny.includes('msec.deploy.>') && log.publishDeny.includes('msec.events.deploy.>'));
    assert.ok(!log.publishDeny.includes('msec.log.tail.>'), 'log publishes the live tail');
    assert.ok(log.subscribeDeny.includes('msec.agent.>'));
    const deploy = natsPermissionsFor(NatsRole.deploy);
    assert.ok(!deploy.publishDeny.some((s) => s.startsWith('msec.deploy.') || s === 'msec.events.deploy.>'));
    assert.ok(deploy.publishDeny.includes('msec.events.agent.>'), 'only agents publish agent events');
    assert.ok(deploy.publishDeny.includes('msec.evt.registry.>') && deploy.publishDeny.includes('msec.evt.monitor.>'));
    const monitor = natsPermissionsFor(NatsRole.monitor);
    assert.ok(!monitor.publishDeny.includes('msec.evt.monitor.>') && monitor.publishDeny.includes('msec.evt.registry.>'));
    const gateway = natsPermissionsFor(NatsRole.gateway);
    assert.ok(
      !gateway.publishDeny.some((s) => s.startsWith('msec.deploy.') || s.startsWith('msec.registry.')),
      'the gateway asks them all',
    );
  });

  it('nats permissions - a host id that is not one subject token is refused, naming the role', () => {
    assert.throws(() => natsPermissionsFor(NatsRole.agent, 'a.b'), /role 'agent'.*letters, digits/);
    assert.throws(() => natsPermissionsFor(NatsRole.service, '>'), /role 'service'/);
  });
});
