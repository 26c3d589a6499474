import { join } from 'node:path';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsRole, identityName, natsInboxPrefix } from '@msec/contracts';
import { NatsAuthority } from '@msec/contracts/nats-authority';
import { requireBinary } from './binaries.js';
import { InfraServer, type ServerKind, type ServerOptions } from './infra-server.js';
import { createTestCertificates, type TestCertificates } from './tls-certificates.js';

/** How the harness's NATS is started. */
export interface NatsServerOptions extends ServerOptions {
  /**
   * Operator (JWT) mode, on by default as in `./msec up`: anonymous connections are refused and every client needs
   * the creds of an identity (`server.connect()`, `server.connectAs(role)`, `server.envFor(role)`).
   * `false` only for a test about the server itself.
   */
  auth?: boolean;
  /** Where the trust chain and .creds files live with auth on; `<dir>/secrets/nats` when omitted. */
  authDir?: string;
  /** TLS with a fresh self-signed CA (made with openssl in `<dir>/tls/`); clients need `tlsCaFile`. */
  tls?: boolean;
}

/** A test nats-server; with auth on it mints the creds of any identity. */
export interface NatsTestServer extends InfraServer {
  /** The CA file clients verify the server with when started with TLS; undefined otherwise. */
  readonly tlsCaFile: string | undefined;
  /** The trust chain when started with auth; undefined otherwise. */
  readonly authority: NatsAuthority | undefined;
  /** Path of the .creds file of an identity (written once under the server's folder); undefined without auth. */
  credsFile(role: NatsRole, name?: string): Promise<string | undefined>;
  /** nats.js options to connect as an identity (no credentials without auth). */
  optionsFor(role: NatsRole, name?: string): Promise<ConnectionOptions>;
  /** A connection as an identity (the default is a console service, which may do everything a test needs to watch). */
  connectAs(role?: NatsRole, name?: string): Promise<NatsConnection>;
  /** The test's own connection: a console identity, plus any connection options the test needs (reconnects…). */
  connect(extra?: Partial<ConnectionOptions>): Promise<NatsConnection>;
  /**
   * Environment of a process running as an identity: `MSEC_NATS_URL` and, with auth, `MSEC_NATS_CREDS` (and the TLS CA);
   * deploy also gets the account seed it signs business credentials with.
   */
  envFor(role: NatsRole, name?: string): Promise<Record<string, string>>;
}

/** The identity the tests' own connections use: the gateway's, which may ask every console operation and watch events. */
export const OBSERVER_ROLE = NatsRole.gateway;

/** True once the server at host:port answers JetStream (in a cluster: once a meta leader is elected). */
export async function probeJetStream(host: string, port: number, options: () => Promise<ConnectionOptions>): Promise<boolean> {
  const nc = await connect({ ...(await options()), servers: `nats://${host}:${port}`, timeout: 1000, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 1000 });
    await jsm.getAccountInfo();
    return true;
  } finally {
    await nc.close();
  }
}

/** Starts nats-server with JetStream on file storage and waits until JetStream answers. */
export async function startNats(options: NatsServerOptions = {}): Promise<NatsTestServer> {
  let authority: NatsAuthority | undefined;
  let tls: TestCertificates | undefined;
  const optionsFor = async (role: NatsRole, name?: string): Promise<ConnectionOptions> => ({
    ...(tls ? { tls: { caFile: tls.caFile } } : {}),
    ...(authority
      ? {
          authenticator: credsAuthenticator(new TextEncoder().encode(await authority.credsFor(role, name))),
          inboxPrefix: natsInboxPrefix(identityName(role, name)),
        }
      : {}),
  });
  const kind: ServerKind = {
    name: 'nats',
    defaultReadyTimeoutMs: 15_000,
    prepare: async (dir) => {
      if (options.auth !== false) authority = await NatsAuthority.open(options.authDir ?? join(dir, 'secrets', 'nats'));
      if (options.tls) tls = createTestCertificates(join(dir, 'tls'));
    },
    spec: (dir, host, port) => ({
      name: 'nats',
      command: requireBinary('nats'),
      // -js with a store folder gives file storage; max_payload stays at the 1 MiB default.
      args: [
        ...(authority ? ['-c', authority.serverConfigFile] : []),
        ...(tls ? ['--tls', '--tlscert', tls.certFile, '--tlskey', tls.keyFile] : []),
        ...['-a', host, '-p', String(port), '-js', '-sd', join(dir, 'jetstream'), '-P', join(dir, 'nats.pid'), '-n', `msec-${port}`],
      ],
      logFile: join(dir, 'nats.log'),
    }),
    probe: (host, port) => probeJetStream(host, port, () => optionsFor(OBSERVER_ROLE)),
    url: (host, port) => `nats://${host}:${port}`,
  };
  const server = await InfraServer.launch(kind, options);
  return Object.assign(server, {
    get authority() {
      return authority;
    },
    get tlsCaFile() {
      return tls?.caFile;
    },
    ...natsClientHelpers(
      () => authority,
      optionsFor,
      () => server.url,
      () => tls?.caFile,
    ),
  }) as NatsTestServer;
}

/** What a test does with a NATS server or cluster: connect as identities and hand processes their environment. */
export interface NatsClientHelpers {
  credsFile(role: NatsRole, name?: string): Promise<string | undefined>;
  optionsFor(role: NatsRole, name?: string): Promise<ConnectionOptions>;
  connectAs(role?: NatsRole, name?: string): Promise<NatsConnection>;
  connect(extra?: Partial<ConnectionOptions>): Promise<NatsConnection>;
  envFor(role: NatsRole, name?: string): Promise<Record<string, string>>;
}

/** The client side of a test server (`url`: one server, or every server of a cluster comma-separated). */
export function natsClientHelpers(
  authority: () => NatsAuthority | undefined,
  optionsFor: (role: NatsRole, name?: string) => Promise<ConnectionOptions>,
  url: () => string,
  tlsCaFile: () => string | undefined,
): NatsClientHelpers {
  const servers = (): string[] => url().split(',');
  return {
    credsFile: async (role, name) => authority()?.ensureCredsFile(role, name),
    optionsFor,
    connectAs: async (role = OBSERVER_ROLE, name) =>
      connect({ ...(await optionsFor(role, name)), servers: servers(), name: identityName(role, name) }),
    connect: async (extra = {}) => connect({ ...(await optionsFor(OBSERVER_ROLE)), servers: servers(), name: 'test', ...extra }),
    envFor: async (role, name) => {
      const auth = authority();
      const creds = auth ? await auth.ensureCredsFile(role, name) : undefined;
      const ca = tlsCaFile();
      return {
        MSEC_NATS_URL: url(),
        ...(creds ? { MSEC_NATS_CREDS: creds } : {}),
        ...(ca ? { MSEC_NATS_TLS_CA: ca } : {}),
        // Deploy mints the creds of the business services it releases, as the launcher's deploy does.
        ...(auth && role === NatsRole.deploy ? { MSEC_NATS_ACCOUNT_SEED: auth.accountSeedFile } : {}),
      };
    },
  };
}
