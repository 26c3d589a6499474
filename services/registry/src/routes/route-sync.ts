import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import zookeeper from 'node-zookeeper-client';
import { ServiceKind } from '@msec/contracts';
import { RoutePaths, ZkRouteWriter, type ZkAclPolicy, type ZkIdentity } from '@msec/nlb';
import { InstanceEntity, ServiceEntity } from '../services/services.entities.js';
import { TrafficEntity } from '../traffic/traffic.entities.js';
import { ZkSession, withTimeout } from '../zookeeper/zk-session.js';

/** How often every service's routes are compared with the read model, to heal after a ZooKeeper outage. */
const FULL_SYNC_INTERVAL_MS = 30_000;

/**
 * Makes ZooKeeper's configured membership match the read model. Idempotent, so it runs after every change,
 * at start and periodically; a change made while ZooKeeper was down reaches it on the next pass.
 */
@Injectable()
export class RouteSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RouteSync');
  /** One session at a time: concurrent syncs share the opening, so no second session is left behind unclosed. */
  private writer: Promise<ZkRouteWriter> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Set once the tree's ACLs have been (re)applied by this process. */
  private secured = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly zk: ZkSession,
    private readonly zkConnect: string,
    /** The registry's identity and the tree's ACL policy; undefined leaves the tree open. */
    private readonly access?: { auth: readonly ZkIdentity[]; acl: ZkAclPolicy },
  ) {}

  onApplicationBootstrap(): void {
    if (!this.access) this.logger.warn('zkAuth is empty: the service tree is open, anyone who reaches ZooKeeper can change routes');
    void this.syncAll();
    this.timer = setInterval(() => void this.syncAll(), FULL_SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.dropWriter();
  }

  /** Reconciles every known service; logs instead of throwing so the timer keeps going. */
  async syncAll(): Promise<boolean> {
    try {
      await this.secureOnce();
      const services = await this.dataSource.getRepository(ServiceEntity).find();
      for (const service of services) await this.sync(service.name);
      return true;
    } catch (error) {
      this.logger.warn(`route sync postponed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  /** Migrates a tree made open (or by an older version) to the ACL policy: once per process, before any sync. */
  private async secureOnce(): Promise<void> {
    if (this.secured || !this.access) return;
    const writer = await this.openWriter();
    const nodes = await withTimeout(writer.secureTree(), 'ACL migration of the service tree', 30_000).catch((error: unknown) => {
      if (!(error instanceof zookeeper.Exception && error.getCode() === zookeeper.Exception.NO_AUTH)) throw error;
      throw new Error(
        'the service tree in ZooKeeper is locked with other identities than zkAuth (secrets replaced?); ' +
          'delete it with the old msec-registry identity or a superDigest, as docs/security.md says under Rotating',
        { cause: error },
      );
    });
    this.secured = true;
    this.logger.log(`ZooKeeper ACLs applied to ${nodes} nodes of the service tree`);
  }

  /** Writes one service's routes: creates folders, puts every configured instance, removes stale ones. */
  async sync(name: string): Promise<void> {
    try {
      await withTimeout(this.write(name), `route sync of ${name}`, 4_000);
    } catch (error) {
      // A failed session (e.g. expired during an outage) is dropped so the next pass opens a fresh one.
      this.dropWriter();
      throw error;
    }
  }

  private async write(name: string): Promise<void> {
    const writer = await this.openWriter();
    const service = await this.dataSource.getRepository(ServiceEntity).findOneBy({ name });
    const wanted = service ? await this.dataSource.getRepository(InstanceEntity).findBy({ service: name }) : [];
    if (service) {
      await writer.createService(name, { requireLive: service.kind === ServiceKind.standard });
      for (const i of wanted)
        await writer.putInstance(name, {
          ip: i.ip,
          port: i.port,
          weight: i.weight,
          enabled: i.enabled,
          protocol: service.protocol,
          ...(i.tags ? { tags: i.tags.split(',') } : {}),
        });
    }
    // The traffic policy instances and callers follow: written when it has anything, removed when it is empty.
    const traffic = service ? await this.dataSource.getRepository(TrafficEntity).findOneBy({ service: name }) : null;
    const breaker = traffic ? (JSON.parse(traffic.breaker) as Record<string, number>) : {};
    const limits = traffic ? (JSON.parse(traffic.limits) as unknown[]) : [];
    const routes = traffic?.routes ? (JSON.parse(traffic.routes) as unknown[]) : [];
    if (traffic && (limits.length > 0 || Object.keys(breaker).length > 0 || routes.length > 0)) {
      const policy = {
        version: traffic.version,
        limits,
        ...(Object.keys(breaker).length > 0 ? { breaker } : {}),
        ...(routes.length > 0 ? { routes } : {}),
      };
      await writer.putTraffic(name, Buffer.from(JSON.stringify(policy)));
    } else {
      await writer.putTraffic(name, undefined);
    }
    const wantedKeys = new Set(wanted.map((i) => `${i.ip}:${i.port}`));
    for (const key of await this.zk.children(RoutePaths.instances(name))) {
      if (!wantedKeys.has(key)) await writer.removeInstance(name, key);
    }
    if (!service) {
      await this.zk.remove(RoutePaths.instances(name));
      await this.zk.remove(RoutePaths.live(name));
      await this.zk.remove(RoutePaths.service(name));
    }
  }

  /** Addresses that have announced themselves live. */
  async liveKeys(name: string): Promise<Set<string>> {
    return new Set(await this.zk.children(RoutePaths.live(name)));
  }

  private openWriter(): Promise<ZkRouteWriter> {
    if (this.stopped) return Promise.reject(new Error('the registry is stopping'));
    if (this.writer) return this.writer;
    const opening: Promise<ZkRouteWriter> = ZkRouteWriter.open(this.zkConnect, {
      timeoutMs: 2_000,
      auth: this.access?.auth,
      acl: this.access?.acl,
    }).then((writer) => {
      // Opened after shutdown or after the attempt was dropped: close it rather than leave a session reconnecting.
      if (this.stopped || this.writer !== opening) {
        writer.close();
        throw new Error('the route writer was dropped while it opened');
      }
      return writer;
    });
    this.writer = opening;
    return opening;
  }

  /** Closes the current session, now or once it has opened. */
  private dropWriter(): void {
    const writer = this.writer;
    this.writer = undefined;
    writer?.then(
      (w) => w.close(),
      () => undefined,
    );
  }
}
