import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ServiceKind } from '@msec/contracts';
import { RoutePaths, ZkRouteWriter } from '@msec/nlb';
import { InstanceEntity, ServiceEntity } from '../services/services.entities.js';
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
  private writer: ZkRouteWriter | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly zk: ZkSession,
    private readonly zkConnect: string,
  ) {}

  onApplicationBootstrap(): void {
    void this.syncAll();
    this.timer = setInterval(() => void this.syncAll(), FULL_SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.writer?.close();
  }

  /** Reconciles every known service; logs instead of throwing so the timer keeps going. */
  async syncAll(): Promise<boolean> {
    try {
      const services = await this.dataSource.getRepository(ServiceEntity).find();
      for (const service of services) await this.sync(service.name);
      return true;
    } catch (error) {
      this.logger.warn(`route sync postponed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  /** Writes one service's routes: creates folders, puts every configured instance, removes stale ones. */
  async sync(name: string): Promise<void> {
    try {
      await withTimeout(this.write(name), `route sync of ${name}`, 4_000);
    } catch (error) {
      // A failed session (e.g. expired during an outage) is dropped so the next pass opens a fresh one.
      this.writer?.close();
      this.writer = undefined;
      throw error;
    }
  }

  private async write(name: string): Promise<void> {
    const writer = await this.openWriter();
    const service = await this.dataSource.getRepository(ServiceEntity).findOneBy({ name });
    const wanted = service ? await this.dataSource.getRepository(InstanceEntity).findBy({ service: name }) : [];
    if (service) {
      await writer.createService(name, { requireLive: service.kind === ServiceKind.standard });
      for (const i of wanted) await writer.putInstance(name, { ip: i.ip, port: i.port, weight: i.weight, enabled: i.enabled, protocol: service.protocol });
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

  private async openWriter(): Promise<ZkRouteWriter> {
    this.writer ??= await ZkRouteWriter.open(this.zkConnect, { timeoutMs: 2_000 });
    return this.writer;
  }
}
