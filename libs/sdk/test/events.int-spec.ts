import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { EventFeedRelay, EventStore, createEvent } from '@msec/bus';
import { EventStreams, NatsRole, RegistryEventType } from '@msec/contracts';
import { startNats, TEMP_DIR_PREFIX, type NatsTestServer } from '@msec/testing';
import { Events } from '../src/index.js';

const AUTOMATION = 'Ops.automation';

/** The automation process, with the business identity of `Ops.automation`. */
function startAutomation(
  env: Record<string, string>,
  durable: string,
  stateDir: string,
): { proc: ChildProcess; handled: string[]; ready: Promise<void> } {
  const script = fileURLToPath(new URL('./fixtures/event-automation.js', import.meta.url));
  const proc = spawn(process.execPath, [script, RegistryEventType.instanceEnabled, durable, stateDir, 'all'], {
    env: { ...process.env, ...env, MSEC_SERVICE: AUTOMATION },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const handled: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`automation exited with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const rec = JSON.parse(line) as { ready?: boolean; handled?: string };
      if (rec.ready) resolve();
      else if (rec.handled) handled.push(rec.handled);
    });
  });
  return { proc, handled, ready };
}

async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('sdk events', () => {
  let nats: NatsTestServer;
  let registry: NatsConnection;
  let gateway: NatsConnection;
  let relay: EventFeedRelay;
  let store: EventStore;
  let stateDir: string;

  before(async () => {
    nats = await startNats();
    registry = await nats.connectAs(NatsRole.registry);
    store = new EventStore(registry);
    await store.init();
    gateway = await nats.connectAs(NatsRole.gateway);
    relay = new EventFeedRelay(gateway);
    await relay.start();
    stateDir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}events-`));
  });
  after(async () => {
    await relay.stop();
    await gateway.close();
    await registry.close();
    await nats.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const enabled = (ip: string) =>
    store.append(
      'registry.Shop.cart',
      createEvent(RegistryEventType.instanceEnabled, 'Shop.cart', { service: 'Shop.cart', ip, port: 7000 }),
    );

  it('sdk events - an automation sees each event once across a kill and restart, even when every acknowledgement was lost', async () => {
    const env = await nats.envFor(NatsRole.service, AUTOMATION);
    const first = startAutomation(env, 'scale-watch', stateDir);
    await first.ready;
    await enabled('10.0.0.1');
    await store.append(
      'registry.Shop.cart',
      createEvent(RegistryEventType.serviceCreated, 'Shop.cart', { name: 'Shop.cart', kind: 'standard', protocol: 'msec', memo: '' }),
    );
    await enabled('10.0.0.2');
    await waitFor('two events handled', () => first.handled.length === 2);
    await kill(first.proc);
    // Appended while the automation is down: delivered when it returns.
    await enabled('10.0.0.3');
    // The worst case for idempotency: the server forgets every acknowledgement, so the feed redelivers all from the start.
    await (await jetstreamManager(gateway)).consumers.delete(EventStreams.feed, 'scale-watch');
    const second = startAutomation(env, 'scale-watch', stateDir);
    try {
      await second.ready;
      await waitFor('the event appended while down', () => second.handled.length === 1);
      await new Promise((r) => setTimeout(r, 500));
      const all = [...first.handled, ...second.handled];
      assert.equal(all.length, 3, `handled ${JSON.stringify(all)}`);
      assert.equal(new Set(all).size, 3);
    } finally {
      await kill(second.proc);
    }
  });

  it('sdk events - an unknown event type or a bad durable name is refused with the field named', async () => {
    const events = new Events({ natsUrl: nats.url });
    try {
      await assert.rejects(
        events.subscribe('deploy.Nope', async () => undefined, { durable: 'x', stateDir }),
        (e: { code?: string; message?: string }) => e.code === 'EVENT_TYPE_UNKNOWN' && e.message!.includes('monitor.AlarmFired'),
      );
      await assert.rejects(
        events.subscribe(RegistryEventType.instanceEnabled, async () => undefined, { durable: 'has space', stateDir }),
        (e: { data?: { field?: string } }) => e.data?.field === 'durable',
      );
    } finally {
      await events.close();
    }
  });
});
