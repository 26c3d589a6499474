import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zookeeper from 'node-zookeeper-client';
import { ZkAclPolicy, digestId, formatZkAuth, parseZkAuth, serviceIdentity, type NlbError } from '../../src/index.js';

describe('zk acl', () => {
  it('zk acl - MSEC_ZK_AUTH parses one or more user:password and a bad entry is named without echoing it', () => {
    assert.deepEqual(parseZkAuth(''), []);
    const two = parseZkAuth('svc-Flight.mod_flight:a:b=c,msec-reader:r');
    assert.deepEqual(two, [
      { user: 'svc-Flight.mod_flight', password: 'a:b=c' },
      { user: 'msec-reader', password: 'r' },
    ]);
    assert.equal(formatZkAuth(two), 'svc-Flight.mod_flight:a:b=c,msec-reader:r');
    for (const bad of ['justapassword', 'bob:', ':pw9', 'us er:pw', 'a:1,'])
      assert.throws(
        () => parseZkAuth(bad, 'MSEC_ZK_AUTH'),
        (e: NlbError) => e.code === 'NLB_INVALID_OPTION' && e.message.startsWith('MSEC_ZK_AUTH: entry') && !e.message.includes(bad),
        bad,
      );
  });

  it('zk acl - service identities are derived per service and secret, and only a live folder grants one', () => {
    const a = serviceIdentity('secret-one-0123456789', 'Flight.mod_flight');
    assert.equal(a.user, 'svc-Flight.mod_flight');
    assert.deepEqual(serviceIdentity('secret-one-0123456789', 'Flight.mod_flight'), a);
    assert.notEqual(serviceIdentity('secret-one-0123456789', 'User.mod_user').password, a.password);
    assert.notEqual(serviceIdentity('secret-two-0123456789', 'Flight.mod_flight').password, a.password);
    assert.match(digestId(a), /^svc-Flight\.mod_flight:[A-Za-z0-9+/]{27}=$/);

    const policy = new ZkAclPolicy({
      registry: { user: 'msec-registry', password: 'r' },
      reader: { user: 'msec-reader', password: 'x' },
      serviceSecret: 'secret-one-0123456789',
    });
    // The client's ACL objects hold `permission` at run time (its typings say `perms`).
    const entries = (path: string): string[] =>
      policy.aclFor(path).map((acl) => `${acl.id.id.split(':')[0]}=${(acl as unknown as { permission: number }).permission}`);
    const { ALL, READ, CREATE, DELETE } = zookeeper.Permission;
    const base = [`msec-registry=${ALL}`, `msec-reader=${READ}`];
    assert.deepEqual(entries('/msec'), base);
    assert.deepEqual(entries('/msec/services'), base);
    assert.deepEqual(entries('/msec/services/Flight.mod_flight/instances/127.0.0.1:80'), base);
    const live = [...base, `svc-Flight.mod_flight=${CREATE | DELETE | READ}`];
    assert.deepEqual(entries('/msec/services/Flight.mod_flight/live'), live);
    assert.deepEqual(entries('/msec/services/Flight.mod_flight/live/127.0.0.1:80'), live);
    assert.deepEqual(
      policy.chain('/msec/services/A.b/live').map((l) => l.path),
      ['/msec', '/msec/services', '/msec/services/A.b', '/msec/services/A.b/live'],
    );
  });
});
