import { createHash, createHmac } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import { ZkIdentityName } from '@msec/contracts';
import { invalidOption } from './nlb.errors.js';
import { SERVICES_ROOT } from './route-paths.js';

/** A ZooKeeper digest identity: what `addAuthInfo('digest', 'user:password')` presents. */
export interface ZkIdentity {
  readonly user: string;
  readonly password: string;
}

const USER = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Parses `user:password[,user:password…]` (the `zkAuth` key, MSEC_ZK_AUTH); empty gives no identity.
 * A business instance holds two: its own `svc-<Service>` identity and the shared reader.
 */
export function parseZkAuth(text: string, field = 'zkAuth'): ZkIdentity[] {
  if (text.trim() === '') return [];
  return text.split(',').map((entry, i) => {
    const colon = entry.indexOf(':');
    const user = colon < 0 ? '' : entry.slice(0, colon).trim();
    const password = colon < 0 ? '' : entry.slice(colon + 1);
    if (!USER.test(user) || password === '')
      throw invalidOption(
        field,
        `entry ${i + 1} is not user:password; give one or more digest identities as user:password separated by commas (user: letters, digits, . _ -)`,
      );
    return { user, password };
  });
}

/** The inverse of parseZkAuth. */
export function formatZkAuth(identities: readonly ZkIdentity[]): string {
  return identities.map((i) => `${i.user}:${i.password}`).join(',');
}

/** The ACL id ZooKeeper stores for a digest identity: `user:base64(sha1(user:password))`. */
export function digestId(identity: ZkIdentity): string {
  const hash = createHash('sha1').update(`${identity.user}:${identity.password}`).digest('base64');
  return `${identity.user}:${hash}`;
}

/**
 * The identity of one business service, derived from the service secret: whoever holds the secret (the registry,
 * to write ACLs; deploy, to hand it to the instances it starts) computes it, so nothing per service is stored.
 */
export function serviceIdentity(serviceSecret: string, service: string): ZkIdentity {
  if (serviceSecret === '') throw invalidOption('zkServiceSecret', 'is empty; give the secret the registry was started with');
  return {
    user: `${ZkIdentityName.servicePrefix}${service}`,
    password: createHmac('sha256', serviceSecret).update(`zk-service:${service}`).digest('base64url'),
  };
}

/** Presents every identity on the client's session (again after each reconnect: the client keeps them). */
export function authenticate(client: zookeeper.Client, identities: readonly ZkIdentity[]): void {
  for (const identity of identities) client.addAuthInfo('digest', Buffer.from(`${identity.user}:${identity.password}`));
}

const { Permission } = zookeeper;

/** What an ACL policy needs: the registry and reader identities and the secret the service identities derive from. */
export interface ZkAclPolicyOptions {
  registry: ZkIdentity;
  reader: ZkIdentity;
  serviceSecret: string;
  root?: string;
}

/**
 * Who may do what in the service tree. Every node: the registry ALL, the reader READ. A service's `live/` folder and
 * the ephemeral nodes in it also let that service's identity CREATE and DELETE (and READ): an instance announces and
 * withdraws itself, and nothing else. A client without one of these identities can neither read nor create anything.
 */
export class ZkAclPolicy {
  private readonly root: string;
  private readonly base: zookeeper.ACL[];
  private readonly serviceSecret: string;

  constructor(options: ZkAclPolicyOptions) {
    this.root = options.root ?? SERVICES_ROOT;
    this.serviceSecret = options.serviceSecret;
    this.base = [
      new zookeeper.ACL(Permission.ALL, new zookeeper.Id('digest', digestId(options.registry))),
      new zookeeper.ACL(Permission.READ, new zookeeper.Id('digest', digestId(options.reader))),
    ];
  }

  /** The ACL a node at `path` must carry (the root's ancestors get the base ACL). */
  aclFor(path: string): zookeeper.ACL[] {
    if (!path.startsWith(`${this.root}/`)) return [...this.base];
    const [service, folder] = path.slice(this.root.length + 1).split('/');
    if (folder !== 'live' || service === undefined) return [...this.base];
    const id = new zookeeper.Id('digest', digestId(serviceIdentity(this.serviceSecret, service)));
    return [...this.base, new zookeeper.ACL(Permission.CREATE | Permission.DELETE | Permission.READ, id)];
  }

  /** The paths from the first level below `/` down to `path`, each with its ACL. */
  chain(path: string): Array<{ path: string; acl: zookeeper.ACL[] }> {
    const parts = path.split('/').filter(Boolean);
    return parts.map((_, i) => {
      const at = `/${parts.slice(0, i + 1).join('/')}`;
      return { path: at, acl: this.aclFor(at) };
    });
  }
}
