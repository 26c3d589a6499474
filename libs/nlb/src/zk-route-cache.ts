import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { closed, invalidOption, zooKeeperUnavailable, type NlbError } from './nlb.errors.js';
import { assertServiceName, decodeRouteInstance } from './route-codec.js';
import { RoutePaths, SERVICES_ROOT } from './route-paths.js';
import type { RouteSource } from './route-source.js';
import { instanceKey, type RouteInstance } from './route-types.js';
import { authenticate, type ZkIdentity } from './zk-acl.js';
import { isZkCode } from './zk-promises.js';

/** Options of a ZkRouteCache; only `connect` is required. */
export interface ZkRouteCacheOptions {
  /** ZooKeeper connect string, `host:port[,host:port…]`. */
  connect: string;
  /** Root of the service tree. Default `/msec/services`. */
  root?: string;
  /** Digest identities presented on the session; reading a tree with ACLs needs one with READ (e.g. `msec-reader`). */
  auth?: readonly ZkIdentity[];
  sessionTimeoutMs?: number;
  /** How long the first lookup of a service not yet cached waits for ZooKeeper before failing. Default 3 s. */
  loadTimeoutMs?: number;
  /** File that keeps the last routes seen, so a restarted caller can route while ZooKeeper is down. */
  snapshotFile?: string;
  /** A client that has not got its session back after this long is replaced by a new one (node-zookeeper-client can stall reconnecting to a restarting server). Default 5 s. */
  stuckReconnectMs?: number;
  /** After a reconnect each service is re-read at a random point within this many ms, so callers do not stampede ZooKeeper. Default 500. */
  reconnectJitterMs?: number;
  /** Told about instance znodes that are skipped because their data is bad. */
  onInvalidRoute?: (error: NlbError) => void;
}

interface Tracked {
  instances: readonly RouteInstance[] | undefined;
  ready: Promise<readonly RouteInstance[]> | undefined;
  watcher: () => void;
  refreshing: boolean;
  again: boolean;
  waiters: Array<(instances: readonly RouteInstance[]) => void>;
}

type ZkClient = zookeeper.Client;

/** Children of a path with a watch; undefined when the path does not exist. */
function children(client: ZkClient, path: string, watcher: () => void): Promise<string[] | undefined> {
  return new Promise((resolve, reject) =>
    client.getChildren(path, watcher, (error, list) => {
      if (!error) resolve(list);
      else if (isZkCode(error, zookeeper.Exception.NO_NODE)) resolve(undefined);
      else reject(error);
    }),
  );
}

/** Data of a path with a watch; undefined when the path does not exist. */
function getData(client: ZkClient, path: string, watcher: () => void): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) =>
    client.getData(path, watcher, (error, data) => {
      if (!error) resolve(data);
      else if (isZkCode(error, zookeeper.Exception.NO_NODE)) resolve(undefined);
      else reject(error);
    }),
  );
}

/** Sets an existence watch. */
function exists(client: ZkClient, path: string, watcher: () => void): Promise<boolean> {
  return new Promise((resolve, reject) => client.exists(path, watcher, (error, stat) => (error ? reject(error) : resolve(Boolean(stat)))));
}

/**
 * The route table of the services this process calls, read from ZooKeeper and kept current by watches.
 * Services are loaded on first use. When ZooKeeper is unreachable the last known routes keep being served
 * (from memory, or from `snapshotFile` after a restart), and watches are set again once it is back.
 * Emits `change` (service, instances) whenever a service's instances change.
 */
export class ZkRouteCache extends EventEmitter implements RouteSource {
  private readonly connectString: string;
  private readonly root: string;
  private readonly auth: readonly ZkIdentity[];
  private readonly sessionTimeoutMs: number;
  private readonly loadTimeoutMs: number;
  private readonly reconnectJitterMs: number;
  private everConnected = false;
  private readonly stuckReconnectMs: number;
  private disconnectedSince = 0;
  private readonly watchdog: NodeJS.Timeout;
  private readonly snapshotFile: string | undefined;
  private readonly onInvalidRoute: (error: NlbError) => void;
  private readonly tracked = new Map<string, Tracked>();
  private readonly dataWatches = new Map<string, { listeners: Array<(data: Buffer | undefined) => void>; watcher: () => void }>();
  private client: ZkClient | undefined;
  private isConnected = false;
  private isClosed = false;

  constructor(options: ZkRouteCacheOptions) {
    super();
    if (typeof options.connect !== 'string' || options.connect.length === 0)
      throw invalidOption('connect', 'give the ZooKeeper address as host:port');
    this.connectString = options.connect;
    this.root = options.root ?? SERVICES_ROOT;
    this.auth = options.auth ?? [];
    this.reconnectJitterMs = options.reconnectJitterMs ?? 500;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 3_000;
    this.snapshotFile = options.snapshotFile;
    this.onInvalidRoute = options.onInvalidRoute ?? (() => undefined);
    this.stuckReconnectMs = options.stuckReconnectMs ?? 5_000;
    this.loadSnapshot();
    this.disconnectedSince = performance.now();
    this.openClient();
    this.watchdog = setInterval(() => {
      if (this.isClosed || this.isConnected || performance.now() - this.disconnectedSince < this.stuckReconnectMs) return;
      this.disconnectedSince = performance.now();
      this.client?.close();
      this.openClient();
    }, 1_000);
    this.watchdog.unref();
  }

  /** True while a ZooKeeper session is live. */
  get connected(): boolean {
    return this.isConnected;
  }

  /** Services being watched. */
  get services(): string[] {
    return [...this.tracked.keys()];
  }

  /** Cached instances of a service, without waiting; undefined when not loaded yet. */
  cached(service: string): readonly RouteInstance[] | undefined {
    return this.tracked.get(service)?.instances;
  }

  /** Instances of a service: from the cache when known, else loaded (and watched) from ZooKeeper. */
  routes(service: string): Promise<readonly RouteInstance[]> {
    if (this.isClosed) return Promise.reject(closed());
    const known = this.tracked.get(service);
    if (known?.ready !== undefined) return known.ready;
    assertServiceName(service);
    const t = known ?? this.track(service);
    if (t.instances !== undefined) {
      t.ready = Promise.resolve(t.instances);
      return t.ready;
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = t.waiters.indexOf(done);
        if (i >= 0) t.waiters.splice(i, 1);
        reject(zooKeeperUnavailable(this.connectString, service));
      }, this.loadTimeoutMs);
      const done = (instances: readonly RouteInstance[]): void => {
        clearTimeout(timer);
        resolve(instances);
      };
      t.waiters.push(done);
    });
  }

  /**
   * Follows the data of one znode: `onData` gets its current content, then every change (undefined while it does not
   * exist), again after each reconnect. Used for the traffic policies next to the routes, on the same session.
   */
  watchData(path: string, onData: (data: Buffer | undefined) => void): void {
    const known = this.dataWatches.get(path);
    if (known !== undefined) {
      known.listeners.push(onData);
      this.readData(path);
      return;
    }
    this.dataWatches.set(path, { listeners: [onData], watcher: () => this.readData(path) });
    this.readData(path);
  }

  private readData(path: string): void {
    const w = this.dataWatches.get(path);
    const client = this.client;
    if (w === undefined || client === undefined || !this.isConnected) return;
    getData(client, path, w.watcher)
      .then(async (data) => {
        // Made between the two reads: read it again rather than report it missing.
        if (data === undefined && (await exists(client, path, w.watcher))) return this.readData(path);
        for (const onData of w.listeners) onData(data);
      })
      // Connection trouble in either read: the listeners keep what they have, and the path is read again when the
      // session is back. Unhandled, a lost connection between the two reads would end the whole process.
      .catch(() => undefined);
  }

  /** Closes the ZooKeeper session; cached routes stay readable through `cached`. */
  close(): void {
    this.isClosed = true;
    this.isConnected = false;
    clearInterval(this.watchdog);
    this.client?.close();
    this.client = undefined;
  }

  private track(service: string): Tracked {
    const t: Tracked = {
      instances: undefined,
      ready: undefined,
      refreshing: false,
      again: false,
      waiters: [],
      watcher: () => this.refresh(service),
    };
    this.tracked.set(service, t);
    this.refresh(service);
    return t;
  }

  private openClient(): void {
    const client = zookeeper.createClient(this.connectString, { sessionTimeout: this.sessionTimeoutMs, spinDelay: 200, retries: 1 });
    this.client = client;
    authenticate(client, this.auth);
    client.on('state', (state: zookeeper.State) => {
      if (this.client !== client) return;
      if (state === zookeeper.State.SYNC_CONNECTED || state === zookeeper.State.CONNECTED_READ_ONLY) {
        this.isConnected = true;
        const reconnect = this.everConnected;
        this.everConnected = true;
        // Catch up on anything that changed while we were away; watches are set again on the way. After a
        // reconnect spread the reads out: every caller reconnects at about the same moment.
        for (const service of this.tracked.keys()) {
          if (!reconnect) this.refresh(service);
          else setTimeout(() => this.refresh(service), Math.random() * this.reconnectJitterMs).unref();
        }
        for (const path of this.dataWatches.keys()) this.readData(path);
      } else if (state === zookeeper.State.DISCONNECTED) {
        if (this.isConnected) this.disconnectedSince = performance.now();
        this.isConnected = false;
      } else if (state === zookeeper.State.EXPIRED) {
        // An expired session never comes back: start a new one; routes stay served from the cache meanwhile.
        this.isConnected = false;
        this.disconnectedSince = performance.now();
        client.close();
        if (!this.isClosed) this.openClient();
      }
    });
    client.connect();
  }

  private refresh(service: string): void {
    const t = this.tracked.get(service);
    const client = this.client;
    if (t === undefined || client === undefined || !this.isConnected) return;
    if (t.refreshing) {
      t.again = true;
      return;
    }
    t.refreshing = true;
    t.again = false;
    this.read(client, service, t.watcher).then(
      (instances) => this.finish(service, t, instances),
      () => this.finish(service, t, undefined),
    );
  }

  private finish(service: string, t: Tracked, instances: readonly RouteInstance[] | undefined): void {
    t.refreshing = false;
    if (instances !== undefined) this.update(service, t, instances);
    if (t.again) this.refresh(service);
  }

  /** One consistent-enough read of a service, setting every watch on the way. Rejects on connection trouble. */
  private async read(client: ZkClient, service: string, watcher: () => void): Promise<readonly RouteInstance[]> {
    const instancesPath = RoutePaths.instances(service, this.root);
    const livePath = RoutePaths.live(service, this.root);
    const [configured, live] = await Promise.all([children(client, instancesPath, watcher), children(client, livePath, watcher)]);
    // A missing folder is watched for its creation.
    if (configured === undefined) await exists(client, instancesPath, watcher);
    if (live === undefined) await exists(client, livePath, watcher);
    if (configured === undefined || configured.length === 0) return [];
    const liveSet = live === undefined ? undefined : new Set(live);
    const found = await Promise.all(
      configured.map(async (key) => {
        const path = `${instancesPath}/${key}`;
        const data = await getData(client, path, watcher);
        // Removed since the listing: the children watch brings the next listing.
        if (data === undefined) return undefined;
        try {
          const instance = decodeRouteInstance(path, data);
          return { ...instance, live: liveSet === undefined || liveSet.has(key) } satisfies RouteInstance;
        } catch (error) {
          this.onInvalidRoute(error as NlbError);
          return undefined;
        }
      }),
    );
    return found.filter((x): x is RouteInstance => x !== undefined);
  }

  private update(service: string, t: Tracked, instances: readonly RouteInstance[]): void {
    const sorted = Object.freeze([...instances].sort((a, b) => instanceKey(a).localeCompare(instanceKey(b))));
    const changed = t.instances === undefined || JSON.stringify(t.instances) !== JSON.stringify(sorted);
    t.instances = sorted;
    t.ready = Promise.resolve(sorted);
    for (const resolve of t.waiters.splice(0)) resolve(sorted);
    if (changed) {
      this.saveSnapshot();
      this.emit('change', service, sorted);
    }
  }

  private loadSnapshot(): void {
    if (this.snapshotFile === undefined) return;
    let table: Record<string, unknown>;
    try {
      table = JSON.parse(readFileSync(this.snapshotFile, 'utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const [service, list] of Object.entries(table)) {
      if (!Array.isArray(list)) continue;
      const instances: RouteInstance[] = [];
      for (const item of list) {
        try {
          const live = (item as { live?: unknown }).live !== false;
          instances.push({ ...decodeRouteInstance(`${this.snapshotFile}#${service}`, Buffer.from(JSON.stringify(item))), live });
        } catch (error) {
          this.onInvalidRoute(error as NlbError);
        }
      }
      const t: Tracked = {
        instances: Object.freeze(instances),
        ready: undefined,
        refreshing: false,
        again: false,
        waiters: [],
        watcher: () => this.refresh(service),
      };
      t.ready = Promise.resolve(t.instances!);
      this.tracked.set(service, t);
    }
  }

  private saveSnapshot(): void {
    if (this.snapshotFile === undefined) return;
    const table: Record<string, readonly RouteInstance[]> = {};
    for (const [service, t] of this.tracked) if (t.instances !== undefined) table[service] = t.instances;
    try {
      mkdirSync(dirname(this.snapshotFile), { recursive: true });
      const tmp = `${this.snapshotFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(table));
      renameSync(tmp, this.snapshotFile);
    } catch {
      // A snapshot is a convenience; failing to write one must not break routing.
    }
  }
}
