import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, NatsRole } from '@msec/contracts';
import { startNats, type NatsTestServer } from '../src/index.js';

/** Resolves with the server's permission error for a publish on `subject`, or rejects when none comes in time. */
function permissionError(nc: NatsConnection, subject: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no permission error for ${subject}`)), 5000);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'error' && String(s.error).includes(subject)) {
          clearTimeout(timer);
          resolve(String(s.error));
          return;
        }
      }
    })();
  });
}

/** Messages a subscriber sees on `subject` during `ms`. */
async function seenWithin(nc: NatsConnection, subject: string, ms: number, act: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const sub = nc.subscribe(subject, { callback: (_e, m) => void seen.push(m.subject) });
  await nc.flush();
  await act();
  await new Promise((r) => setTimeout(r, ms));
  sub.unsubscribe();
  return seen;
}

describe('nats auth', () => {
  let nats: NatsTestServer;
  let watcher: NatsConnection;
  before(async () => {
    nats = await startNats();
    watcher = await nats.connectAs(NatsRole.deploy);
  });
  after(async () => {
    await watcher?.close();
    await nats?.dispose();
  });

  it('nats auth - an anonymous connection is refused', async () => {
    await assert.rejects(connect({ servers: nats.url, reconnect: false, timeout: 3000 }), /Authorization Violation/i);
  });

  it('nats auth - keys and creds are private files in a private folder', async () => {
    const file = await nats.credsFile(NatsRole.admin);
    assert.ok(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
    assert.equal(statSync(nats.authority!.serverConfigFile).mode & 0o777, 0o600);
  });

  it('nats auth - a business identity cannot request msec.deploy.command.send: the server refuses and nobody receives it', async () => {
    const business = await nats.connectAs(NatsRole.service, 'flight');
    try {
      const refused = permissionError(business, DeploySubjects.commandSend);
      const seen = await seenWithin(watcher, DeploySubjects.commandSend, 300, async () => {
        await assert.rejects(business.request(DeploySubjects.commandSend, '{"hostId":"h1","type":"exec"}', { timeout: 2000 }));
      });
      assert.match(await refused, /Permissions Violation for Publish/i);
      assert.deepEqual(seen, []);
    } finally {
      await business.close();
    }
  });

  it('nats auth - a console back-end cannot ask another to act nor forge its events: log asking deploy to sign, or announcing a release', async () => {
    const log = await nats.connectAs(NatsRole.log);
    try {
      const refusedCommand = permissionError(log, DeploySubjects.commandSend);
      const commands = await seenWithin(watcher, DeploySubjects.commandSend, 300, async () => {
        const actor = { user: 'admin', role: 'admin' };
        await assert.rejects(
          log.request(DeploySubjects.commandSend, JSON.stringify({ hostId: 'h1', type: 'exec', actor }), { timeout: 2000 }),
        );
      });
      assert.match(await refusedCommand, /Permissions Violation for Publish/i);
      assert.deepEqual(commands, []);
      const refusedEvent = permissionError(log, DeploySubjects.released);
      const events = await seenWithin(watcher, DeploySubjects.released, 300, async () => {
        log.publish(DeploySubjects.released, '{}');
        await log.flush();
      });
      assert.match(await refusedEvent, /Permissions Violation for Publish/i);
      assert.deepEqual(events, []);
    } finally {
      await log.close();
    }
  });

  it("nats auth - a console back-end cannot listen on a host's command subject nor on another back-end's operations", async () => {
    const monitor = await nats.connectAs(NatsRole.monitor);
    try {
      const refusedAgent = permissionError(monitor, DeploySubjects.agentCommand('h1'));
      monitor.subscribe(DeploySubjects.agentCommand('h1'));
      assert.match(await refusedAgent, /Permissions Violation for Subscription/i);
      const refusedDeploy = permissionError(monitor, DeploySubjects.commandSend);
      monitor.subscribe(DeploySubjects.commandSend);
      assert.match(await refusedDeploy, /Permissions Violation for Subscription/i);
    } finally {
      await monitor.close();
    }
  });

  it('nats auth - an agent publishing a heartbeat for another host is refused; its own goes through', async () => {
    const agent = await nats.connectAs(NatsRole.agent, 'h1');
    try {
      const refused = permissionError(agent, DeploySubjects.agentHeartbeat('h2'));
      const seen = await seenWithin(watcher, DeploySubjects.agentHeartbeatAll, 300, async () => {
        agent.publish(DeploySubjects.agentHeartbeat('h2'), '{"hostId":"h2"}');
        agent.publish(DeploySubjects.agentHeartbeat('h1'), '{"hostId":"h1"}');
        await agent.flush();
      });
      assert.match(await refused, /Permissions Violation for Publish/i);
      assert.deepEqual(seen, [DeploySubjects.agentHeartbeat('h1')]);
    } finally {
      await agent.close();
    }
  });

  it("nats auth - an agent cannot subscribe to another host's commands", async () => {
    const agent = await nats.connectAs(NatsRole.agent, 'h1');
    try {
      const refused = permissionError(agent, DeploySubjects.agentCommand('h2'));
      agent.subscribe(DeploySubjects.agentCommand('h2'));
      assert.match(await refused, /Permissions Violation for Subscription/i);
    } finally {
      await agent.close();
    }
  });

  it("nats auth - an identity cannot read another identity's replies", async () => {
    const business = await nats.connectAs(NatsRole.service, 'flight');
    try {
      const refused = permissionError(business, '_INBOX_admin.>');
      business.subscribe('_INBOX_admin.>');
      assert.match(await refused, /Permissions Violation for Subscription/i);
    } finally {
      await business.close();
    }
  });

  it('nats auth - the admin identity requests console operations and gets the answer', async () => {
    const responder = watcher.subscribe(DeploySubjects.hostsList, { callback: (_e, m) => void m.respond('[]') });
    const admin = await nats.connectAs(NatsRole.admin);
    try {
      await watcher.flush();
      const reply = await admin.request(DeploySubjects.hostsList, '{}', { timeout: 3000 });
      assert.equal(reply.string(), '[]');
    } finally {
      responder.unsubscribe();
      await admin.close();
    }
  });
});
