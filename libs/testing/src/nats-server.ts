import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { requireBinary } from './binaries.js';
import { InfraServer, type ServerKind, type ServerOptions } from './infra-server.js';

/** JetStream is ready when the account info answers, not merely when the port accepts. */
async function jetStreamAnswers(host: string, port: number): Promise<boolean> {
  const nc = await connect({ servers: `nats://${host}:${port}`, timeout: 1000, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 1000 });
    await jsm.getAccountInfo();
    return true;
  } finally {
    await nc.close();
  }
}

const natsKind: ServerKind = {
  name: 'nats',
  defaultReadyTimeoutMs: 15_000,
  prepare: () => undefined,
  spec: (dir, host, port) => ({
    name: 'nats',
    command: requireBinary('nats'),
    // -js with a store folder gives file storage; max_payload stays at the 1 MiB default.
    args: ['-a', host, '-p', String(port), '-js', '-sd', join(dir, 'jetstream'), '-P', join(dir, 'nats.pid'), '-n', `msec-${port}`],
    logFile: join(dir, 'nats.log'),
  }),
  probe: jetStreamAnswers,
  url: (host, port) => `nats://${host}:${port}`,
};

/** Starts nats-server with JetStream on file storage and waits until JetStream answers. */
export function startNats(options: ServerOptions = {}): Promise<InfraServer> {
  return InfraServer.launch(natsKind, options);
}
