import zookeeper from 'node-zookeeper-client';
import { invalidOption } from './nlb.errors.js';
import { assertServiceName, decodeRouteInstance, encodeRouteInstance, type ConfiguredInstance } from './route-codec.js';
import { RoutePaths, SERVICES_ROOT } from './route-paths.js';
import { instanceKey } from './route-types.js';
import type { ZkAclPolicy, ZkIdentity } from './zk-acl.js';
import { connectClient, isZkCode, zk, ZK_OP_TIMEOUT_MS } from './zk-promises.js';

/** A session not back after this long is replaced (see watchExpiry). */
const STUCK_RECONNECT_MS = 5_000;
/** How often an announcement waiting for its service's `live/` folder is tried again. */
const ANNOUNCE_RETRY_MS = 500;

/** Options of ZkRouteWriter.open. */
export interface ZkRouteWriterOptions {
  /** Root of the service tree. Default `/msec/services`. */
  root?: string;
  sessionTimeoutMs?: number;
  /** How long to wait for the first session. Default 5 s. */
  timeoutMs?: number;
  /** Digest identities presented on the session (the registry's, or a business service's plus the reader's). */
  auth?: readonly ZkIdentity[];
  /**
   * ACLs of the nodes this writer creates (the registry's). Without it, folders are created open and a live
   * announcement takes the ACL of its `live/` folder, which the registry set.
   */
  acl?: ZkAclPolicy;
}

/**
 * Writes the route table: configured membership (persistent) and live announcements (ephemeral, gone when this
 * writer's session ends). For the registry service, for business processes announcing themselves, and for tests.
 */
export class ZkRouteWriter {
  private client: zookeeper.Client;
  private readonly root: string;
  private readonly connect: string;
  private readonly sessionTimeoutMs: number;
  private readonly auth: readonly ZkIdentity[];
  private readonly acl: ZkAclPolicy | undefined;
  /** Live announcements to make again if the session expires. */
  private readonly announced = new Set<string>();
  /** Announcements waiting for their `live/` folder. */
  private readonly waiting = new Set<string>();
  private closed = false;

  private constructor(client: zookeeper.Client, connect: string, sessionTimeoutMs: number, options: ZkRouteWriterOptions) {
    this.client = client;
    this.connect = connect;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.root = options.root ?? SERVICES_ROOT;
    this.auth = options.auth ?? [];
    this.acl = options.acl;
    this.watchExpiry(client);
  }

  /** Opens a session; rejects when ZooKeeper cannot be reached within `timeoutMs`. */
  static async open(connect: string, options: ZkRouteWriterOptions = {}): Promise<ZkRouteWriter> {
    const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    const client = await connectClient(connect, sessionTimeoutMs, options.timeoutMs ?? 5_000, options.auth);
    return new ZkRouteWriter(client, connect, sessionTimeoutMs, options);
  }

  /**
   * An expired session loses its ephemeral nodes, and a client can stall reconnecting to a restarting server:
   * in either case open a new session and announce again, until it works.
   */
  private watchExpiry(client: zookeeper.Client): void {
    let downSince = 0;
    const watchdog = setInterval(() => {
      if (this.closed || client !== this.client) return clearInterval(watchdog);
      if (client.getState() === zookeeper.State.SYNC_CONNECTED) downSince = 0;
      else if (downSince === 0) downSince = performance.now();
      else if (performance.now() - downSince > STUCK_RECONNECT_MS) replace();
    }, 1_000);
    watchdog.unref();
    client.on('state', (state: zookeeper.State) => {
      if (state === zookeeper.State.EXPIRED) replace();
    });
    const replace = (): void => {
      if (this.closed || client !== this.client) return;
      clearInterval(watchdog);
      client.close();
      const retry = async (): Promise<void> => {
        if (this.closed) return;
        try {
          const fresh = await connectClient(this.connect, this.sessionTimeoutMs, 5_000, this.auth);
          if (this.closed) return fresh.close();
          this.client = fresh;
          this.watchExpiry(fresh);
          for (const entry of [...this.announced]) {
            const [service, key] = entry.split('|') as [string, string];
            // The old session's node may linger until it expires, then vanish: replace it with ours.
            await this.withdrawLive(service, key);
            await this.announceLive(service, key);
          }
        } catch {
          setTimeout(() => void retry(), 1_000).unref();
        }
      };
      void retry();
    };
  }

  /** Creates the service's folders (idempotent). Creating `live` means instances must announce themselves to be routed. */
  async createService(service: string, options: { requireLive?: boolean } = {}): Promise<void> {
    assertServiceName(service);
    await this.ensure(RoutePaths.instances(service, this.root));
    if (options.requireLive ?? true) await this.ensure(RoutePaths.live(service, this.root));
  }

  /** Adds or replaces an instance's configuration. */
  async putInstance(service: string, instance: Omit<ConfiguredInstance, 'protocol'> & { protocol?: string }): Promise<void> {
    assertServiceName(service);
    if (!Number.isInteger(instance.port) || instance.port < 1 || instance.port > 65_535) throw invalidOption('port', 'must be 1..65535');
    const path = RoutePaths.instance(service, instanceKey(instance), this.root);
    const data = encodeRouteInstance({ protocol: 'msec', ...instance });
    await this.ensure(RoutePaths.instances(service, this.root));
    try {
      await zk.create(await this.ready(), path, data, zookeeper.CreateMode.PERSISTENT, this.acl?.aclFor(path));
    } catch (error) {
      if (!isZkCode(error, zookeeper.Exception.NODE_EXISTS)) throw error;
      await zk.setData(await this.ready(), path, data);
    }
  }

  /** Scale out (true) or scale in (false) one instance. */
  async setEnabled(service: string, key: string, enabled: boolean): Promise<void> {
    await this.update(service, key, (i) => ({ ...i, enabled }));
  }

  /** Changes one instance's static weight. */
  async setWeight(service: string, key: string, weight: number): Promise<void> {
    await this.update(service, key, (i) => ({ ...i, weight }));
  }

  /** Writes (or with undefined, deletes) the service's traffic policy znode; callers and instances follow it. */
  async putTraffic(service: string, data: Buffer | undefined): Promise<void> {
    assertServiceName(service);
    const path = RoutePaths.traffic(service, this.root);
    if (data === undefined) {
      try {
        await zk.remove(await this.ready(), path);
      } catch (error) {
        if (!isZkCode(error, zookeeper.Exception.NO_NODE)) throw error;
      }
      return;
    }
    await this.ensure(RoutePaths.service(service, this.root));
    try {
      await zk.create(await this.ready(), path, data, zookeeper.CreateMode.PERSISTENT, this.acl?.aclFor(path));
    } catch (error) {
      if (!isZkCode(error, zookeeper.Exception.NODE_EXISTS)) throw error;
      await zk.setData(await this.ready(), path, data);
    }
  }

  /** Deletes an instance's configuration. */
  async removeInstance(service: string, key: string): Promise<void> {
    await zk.remove(await this.ready(), RoutePaths.instance(service, key, this.root));
  }

  /**
   * Announces that the process serving `key` is up; the node vanishes when this writer's session ends. When the
   * service's `live/` folder does not exist yet and this identity may not make it (a release starts the instance
   * before the registry creates the service), the announcement is made as soon as the registry creates it.
   */
  async announceLive(service: string, key: string): Promise<void> {
    this.announced.add(`${service}|${key}`);
    const path = RoutePaths.liveInstance(service, key, this.root);
    const acl = await this.liveAcl(service);
    if (acl === undefined) return this.announceLater(service, key);
    try {
      await zk.create(await this.ready(), path, undefined, zookeeper.CreateMode.EPHEMERAL, acl);
    } catch (error) {
      if (isZkCode(error, zookeeper.Exception.NO_NODE)) return this.announceLater(service, key);
      if (!isZkCode(error, zookeeper.Exception.NODE_EXISTS)) throw error;
      // The node belongs to the session of a process that died on this address and has not expired yet; left in
      // place it would vanish at expiry and take this live process out of every route. Replace it with ours.
      try {
        await zk.remove(await this.ready(), path);
      } catch (removeError) {
        if (!isZkCode(removeError, zookeeper.Exception.NO_NODE)) throw removeError;
      }
      await zk.create(await this.ready(), path, undefined, zookeeper.CreateMode.EPHEMERAL, acl);
    }
  }

  /** Tries the announcement again every ANNOUNCE_RETRY_MS until it is made, withdrawn, or the writer closes. */
  private announceLater(service: string, key: string): void {
    const entry = `${service}|${key}`;
    if (this.waiting.has(entry)) return;
    this.waiting.add(entry);
    setTimeout(() => {
      this.waiting.delete(entry);
      if (this.closed || !this.announced.has(entry)) return;
      this.announceLive(service, key).catch(() => this.announceLater(service, key));
    }, ANNOUNCE_RETRY_MS).unref();
  }

  /**
   * The ACL of a live announcement: the policy's when this writer has one, else that of the `live/` folder the
   * registry made (a business identity may create there but not make the folder). A writer without identities
   * (an open tree) makes an open folder when there is none; otherwise undefined until the registry has made it.
   */
  private async liveAcl(service: string): Promise<zookeeper.ACL[] | undefined> {
    const live = RoutePaths.live(service, this.root);
    if (this.acl) {
      await this.ensure(live);
      return this.acl.aclFor(RoutePaths.liveInstance(service, '_', this.root));
    }
    try {
      return await zk.getACL(await this.ready(), live);
    } catch (error) {
      if (!isZkCode(error, zookeeper.Exception.NO_NODE)) throw error;
    }
    // An identity-holding writer never makes folders: made by it they would be open, and only the registry sets ACLs.
    if (this.auth.length > 0) return undefined;
    try {
      await zk.mkdirp(await this.ready(), live);
    } catch (error) {
      if (isZkCode(error, zookeeper.Exception.NO_AUTH)) return undefined;
      throw error;
    }
    return zk.getACL(await this.ready(), live);
  }

  /** Creates `path` and its missing ancestors, each with the policy's ACL (open ones without a policy). */
  private async ensure(path: string): Promise<void> {
    if (!this.acl) return zk.mkdirp(await this.ready(), path);
    for (const level of this.acl.chain(path)) {
      try {
        await zk.create(await this.ready(), level.path, undefined, zookeeper.CreateMode.PERSISTENT, level.acl);
      } catch (error) {
        if (!isZkCode(error, zookeeper.Exception.NODE_EXISTS)) throw error;
      }
    }
  }

  /**
   * Creates the root if missing and sets the policy's ACL on every node of the tree, from the root's ancestors down
   * to each live announcement: a tree made open (before ACLs, or by an older version) is locked at start.
   * Idempotent; returns the node count.
   */
  async secureTree(): Promise<number> {
    if (!this.acl) throw invalidOption('acl', 'secureTree needs an ACL policy; open the writer with { acl }');
    // The root is made (locked) at once: left missing, the first client to create it would choose its ACL.
    await this.ensure(this.root);
    let count = 0;
    const visit = async (path: string): Promise<void> => {
      try {
        await zk.setACL(await this.ready(), path, this.acl!.aclFor(path));
      } catch (error) {
        if (isZkCode(error, zookeeper.Exception.NO_NODE)) return;
        throw error;
      }
      count += 1;
      let children: string[];
      try {
        children = await zk.getChildren(await this.ready(), path);
      } catch (error) {
        if (isZkCode(error, zookeeper.Exception.NO_NODE)) return;
        throw error;
      }
      for (const child of children) await visit(`${path}/${child}`);
    };
    for (const level of this.acl.chain(this.root).slice(0, -1)) {
      try {
        await zk.setACL(await this.ready(), level.path, level.acl);
        count += 1;
      } catch (error) {
        if (!isZkCode(error, zookeeper.Exception.NO_NODE)) throw error;
      }
    }
    await visit(this.root);
    return count;
  }

  /** Withdraws a live announcement (graceful stop: deregister before closing the port). */
  async withdrawLive(service: string, key: string): Promise<void> {
    this.announced.delete(`${service}|${key}`);
    try {
      await zk.remove(await this.ready(), RoutePaths.liveInstance(service, key, this.root));
    } catch (error) {
      if (!isZkCode(error, zookeeper.Exception.NO_NODE)) throw error;
    }
  }

  /** The current client once it has a session; it may be replaced meanwhile, so ask again each time. */
  private async ready(): Promise<zookeeper.Client> {
    const start = performance.now();
    while (this.client.getState() !== zookeeper.State.SYNC_CONNECTED) {
      if (this.closed) throw new Error('the route writer is closed');
      if (performance.now() - start > ZK_OP_TIMEOUT_MS)
        throw new Error(`no ZooKeeper session at ${this.connect} within ${ZK_OP_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.client;
  }

  /** Ends the session: this writer's live announcements disappear. */
  close(): void {
    this.closed = true;
    this.client.close();
  }

  private async update(service: string, key: string, change: (i: ConfiguredInstance) => ConfiguredInstance): Promise<void> {
    const path = RoutePaths.instance(service, key, this.root);
    const current = decodeRouteInstance(path, await zk.getData(await this.ready(), path));
    await zk.setData(await this.ready(), path, encodeRouteInstance(change(current)));
  }
}
