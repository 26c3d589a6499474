import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { BusErrorCode, EventStore, ProjectionRunner, createEvent, ensureRateQuotaBucket, type DomainEvent } from '@msec/bus';
import {
  MsecError,
  RegistryEventType,
  ROUTING_LIMITS,
  type InstanceView,
  type RegistryEventPayloads,
  type RoutingRule,
  type ServiceView,
  type TrafficPolicyView,
} from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { RouteSync } from '../routes/route-sync.js';
import { InstanceEntity, ServiceEntity } from './services.entities.js';
import {
  instanceEnabled,
  instanceExists,
  instanceNotFound,
  invalid,
  serviceExists,
  serviceNotEmpty,
  serviceNotFound,
} from './services.errors.js';
import { ServicesProjection } from './services.projection.js';
import { TrafficEntity } from '../traffic/traffic.entities.js';
import { breakerInput, limitInput, limitRemoveInput, routeInput, routeRemoveInput, tagsInput } from '../traffic/traffic.validation.js';
import { createServiceInput, instancesInput, serviceName, weightInput, type InstanceInput } from './services.validation.js';

/** What a change returns: the service as it now stands, and whether ZooKeeper has it yet. */
export interface ChangeResult {
  service: ServiceView | null;
  /** False when ZooKeeper was unreachable; the routes follow as soon as it is back. */
  routesWritten: boolean;
}

/** How often a change is decided again after another registry changed the same service first. */
const MAX_DECISIONS = 5;

const keyOf = (i: { ip: string; port: number }): string => `${i.ip}:${i.port}`;

/**
 * The service tree's rules. Every accepted change becomes an event in the event stream; the read model is
 * the projection of those events, and ZooKeeper's routes follow the read model.
 */
@Injectable()
export class ServicesDomain implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ServicesDomain');
  private readonly store: EventStore;
  private readonly runner: ProjectionRunner;
  /**
   * Changes of this process are decided one at a time (no needless conflicts); across processes, each append
   * expects the service's last event to be the one the decision was made on.
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
    private readonly routes: RouteSync,
  ) {
    this.store = new EventStore(nc);
    this.runner = new ProjectionRunner(nc, dataSource, new ServicesProjection(), {
      // a registry process that dies holding an event lets the next one have it after this
      ackWaitMs: 5_000,
      onError: (error) => this.logger.error(`projection: ${error instanceof Error ? error.message : String(error)}`),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.store.init();
    await this.runner.start();
    // Instances count their cluster-wide rate limits there; without it they admit their even share.
    await ensureRateQuotaBucket(this.nc).catch((error: unknown) =>
      this.logger.warn(`rate quota bucket not created: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  /** Creates a service (standard or heterogeneous). */
  createService(body: unknown): Promise<ChangeResult> {
    const input = createServiceInput(body);
    return this.change(input.name, async () => {
      if (await this.findService(input.name)) throw serviceExists(input.name);
      return [this.event(RegistryEventType.serviceCreated, input.name, input)];
    });
  }

  /** Creates a standard service unless it exists (a release of a service nobody registered by hand). */
  async ensureService(name: string): Promise<void> {
    if (await this.findService(serviceName(name, 'service'))) return;
    await this.createService({ name }).catch((error: unknown) => {
      if (!(error instanceof Error && 'code' in error && error.code === 'REGISTRY_SERVICE_EXISTS')) throw error;
    });
  }

  /** Deletes an empty service. */
  deleteService(body: unknown): Promise<ChangeResult> {
    const name = serviceName((body as { name?: unknown } | null)?.name);
    return this.change(name, async () => {
      await this.requireService(name);
      const count = await this.dataSource.getRepository(InstanceEntity).countBy({ service: name });
      if (count > 0) throw serviceNotEmpty(name, count);
      return [this.event(RegistryEventType.serviceDeleted, name, { name })];
    });
  }

  /** Adds instances, disabled as in MSEC: they serve only after scale-out. */
  addInstances(body: unknown): Promise<ChangeResult> {
    const { service, instances } = instancesInput(body);
    return this.change(service, async () => {
      await this.requireService(service);
      const existing = await this.instanceMap(service);
      for (const i of instances) if (existing.has(keyOf(i))) throw instanceExists(service, keyOf(i));
      return instances.map((i) =>
        this.event(RegistryEventType.instanceAdded, service, { service, ip: i.ip, port: i.port, weight: i.weight }),
      );
    });
  }

  /** Removes instances; each must have been scaled in first. */
  removeInstances(body: unknown): Promise<ChangeResult> {
    const { service, instances } = instancesInput(body);
    return this.change(service, async () => {
      await this.requireService(service);
      const existing = await this.instanceMap(service);
      for (const i of instances) {
        const current = existing.get(keyOf(i));
        if (!current) throw instanceNotFound(service, keyOf(i));
        if (current.enabled) throw instanceEnabled(service, keyOf(i));
      }
      return instances.map((i) => this.event(RegistryEventType.instanceRemoved, service, { service, ip: i.ip, port: i.port }));
    });
  }

  /** Scale out: adds any instance not yet configured and enables every one listed. */
  scaleOut(body: unknown): Promise<ChangeResult> {
    const { service, instances } = instancesInput(body);
    return this.change(service, async () => {
      await this.requireService(service);
      const existing = await this.instanceMap(service);
      return instances.flatMap((i: InstanceInput) => {
        const current = existing.get(keyOf(i));
        const events: DomainEvent[] = [];
        if (!current)
          events.push(this.event(RegistryEventType.instanceAdded, service, { service, ip: i.ip, port: i.port, weight: i.weight }));
        if (!current?.enabled) events.push(this.event(RegistryEventType.instanceEnabled, service, { service, ip: i.ip, port: i.port }));
        return events;
      });
    });
  }

  /** Scale in: disables the instances listed (they stay configured and can be scaled out again). */
  scaleIn(body: unknown): Promise<ChangeResult> {
    const { service, instances } = instancesInput(body);
    return this.change(service, async () => {
      await this.requireService(service);
      const existing = await this.instanceMap(service);
      return instances.flatMap((i) => {
        const current = existing.get(keyOf(i));
        if (!current) throw instanceNotFound(service, keyOf(i));
        return current.enabled ? [this.event(RegistryEventType.instanceDisabled, service, { service, ip: i.ip, port: i.port })] : [];
      });
    });
  }

  /**
   * Takes every routed instance at `ip` out of routing because host `hostId` went offline, naming the host in each
   * `registry.InstanceDisabled`; returns how many it disabled. Idempotent: a second call finds none routed.
   */
  async drainHost(hostId: string, ip: string): Promise<number> {
    const routed = await this.dataSource.getRepository(InstanceEntity).findBy({ ip, enabled: true });
    let disabled = 0;
    for (const service of new Set(routed.map((i) => i.service))) {
      let decided = 0;
      await this.change(service, async () => {
        const rows = await this.dataSource.getRepository(InstanceEntity).findBy({ service, ip, enabled: true });
        decided = rows.length;
        return rows.map((i) => this.event(RegistryEventType.instanceDisabled, service, { service, ip, port: i.port, hostOffline: hostId }));
      });
      disabled += decided;
    }
    return disabled;
  }

  /** Routes again the instances at `ip` that host `hostId` going offline took out of routing; returns how many. */
  async restoreHost(hostId: string, ip: string): Promise<number> {
    const drained = await this.dataSource.getRepository(InstanceEntity).findBy({ ip, enabled: false, disabledByHost: hostId });
    let enabled = 0;
    for (const service of new Set(drained.map((i) => i.service))) {
      let decided = 0;
      await this.change(service, async () => {
        const rows = await this.dataSource.getRepository(InstanceEntity).findBy({ service, ip, enabled: false, disabledByHost: hostId });
        decided = rows.length;
        return rows.map((i) => this.event(RegistryEventType.instanceEnabled, service, { service, ip, port: i.port }));
      });
      enabled += decided;
    }
    return enabled;
  }

  /** Sets one instance's static weight. */
  setWeight(body: unknown): Promise<ChangeResult> {
    const { service, instance } = weightInput(body);
    return this.change(service, async () => {
      await this.requireService(service);
      const current = (await this.instanceMap(service)).get(keyOf(instance));
      if (!current) throw instanceNotFound(service, keyOf(instance));
      if (current.weight === instance.weight) return [];
      return [
        this.event(RegistryEventType.instanceWeightChanged, service, {
          service,
          ip: instance.ip,
          port: instance.port,
          weight: instance.weight,
        }),
      ];
    });
  }

  /** Sets (or replaces) the rate limit of one method of a service. */
  setLimit(body: unknown): Promise<TrafficPolicyView> {
    const input = limitInput(body);
    return this.trafficChange(input.service, () => [this.event(RegistryEventType.rateLimitSet, input.service, input)]);
  }

  /** Removes a method's rate limit; removing one that is not set changes nothing. */
  removeLimit(body: unknown): Promise<TrafficPolicyView> {
    const input = limitRemoveInput(body);
    return this.trafficChange(input.service, async (current) =>
      current.limits.some((l) => l.method === input.method) ? [this.event(RegistryEventType.rateLimitRemoved, input.service, input)] : [],
    );
  }

  /** Sets the breaker settings callers use for a service (`{}`: the defaults). */
  setBreaker(body: unknown): Promise<TrafficPolicyView> {
    const input = breakerInput(body);
    return this.trafficChange(input.service, () => [this.event(RegistryEventType.breakerSettingsSet, input.service, input)]);
  }

  /** Sets (or replaces, by id) a routing rule its callers follow. */
  setRoute(body: unknown): Promise<TrafficPolicyView> {
    const input = routeInput(body);
    return this.trafficChange(input.service, (current) => {
      if (!current.routes.some((r) => r.id === input.rule.id) && current.routes.length >= ROUTING_LIMITS.rules)
        throw invalid('rule.id', `${input.service} has ${ROUTING_LIMITS.rules} routing rules already; remove one first`);
      return [this.event(RegistryEventType.routingRuleSet, input.service, input)];
    });
  }

  /** Removes a routing rule; removing one that is not set changes nothing. */
  removeRoute(body: unknown): Promise<TrafficPolicyView> {
    const input = routeRemoveInput(body);
    return this.trafficChange(input.service, (current) =>
      current.routes.some((r) => r.id === input.id) ? [this.event(RegistryEventType.routingRuleRemoved, input.service, input)] : [],
    );
  }

  /** Sets one instance's tags (routing rules send requests to instances by tag). */
  setInstanceTags(body: unknown): Promise<ChangeResult> {
    const input = tagsInput(body);
    return this.change(input.service, async () => {
      await this.requireService(input.service);
      const current = (await this.instanceMap(input.service)).get(keyOf(input));
      if (!current) throw instanceNotFound(input.service, keyOf(input));
      if (current.tags === input.tags.join(',')) return [];
      return [this.event(RegistryEventType.instanceTagsSet, input.service, input)];
    });
  }

  /** A service's traffic policy (version 0 and empty when none was ever set). */
  async showTraffic(body: unknown): Promise<TrafficPolicyView> {
    const name = serviceName((body as { service?: unknown } | null)?.service, 'service');
    await this.requireService(name);
    return this.trafficView(name);
  }

  private async trafficChange(
    service: string,
    decide: (current: TrafficPolicyView) => DomainEvent[] | Promise<DomainEvent[]>,
  ): Promise<TrafficPolicyView> {
    await this.change(service, async () => {
      await this.requireService(service);
      return decide(await this.trafficView(service));
    });
    return this.trafficView(service);
  }

  private async trafficView(service: string): Promise<TrafficPolicyView> {
    const row = await this.dataSource.getRepository(TrafficEntity).findOneBy({ service });
    if (!row) return { service, version: 0, limits: [], breaker: {}, routes: [], updatedBy: '', updatedAt: '' };
    return {
      service,
      version: row.version,
      limits: JSON.parse(row.limits) as TrafficPolicyView['limits'],
      breaker: JSON.parse(row.breaker) as Record<string, number>,
      routes: JSON.parse(row.routes ?? '[]') as RoutingRule[],
      updatedBy: row.updatedBy,
      updatedAt: row.updatedAt,
    };
  }

  /** Every service with its instances and live state. */
  async listServices(): Promise<ServiceView[]> {
    const services = await this.dataSource.getRepository(ServiceEntity).find({ order: { name: 'ASC' } });
    return Promise.all(services.map((s) => this.view(s)));
  }

  /** One service, or REGISTRY_SERVICE_NOT_FOUND. */
  async showService(body: unknown): Promise<ServiceView> {
    const name = serviceName((body as { name?: unknown } | null)?.name);
    return this.view(await this.requireService(name));
  }

  /** Replays the whole event stream into an empty read model, then rewrites the routes. */
  async rebuild(): Promise<{ services: number; instances: number }> {
    return this.serialised(async () => {
      await this.runner.rebuild();
      await this.routes.syncAll();
      return {
        services: await this.dataSource.getRepository(ServiceEntity).count(),
        instances: await this.dataSource.getRepository(InstanceEntity).count(),
      };
    });
  }

  private event<K extends keyof RegistryEventPayloads>(type: K, aggregateId: string, payload: RegistryEventPayloads[K]) {
    return createEvent(type, aggregateId, payload);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Decides the events under the queue on a read model caught up with the service's last event, appends them
   * only if no other registry appended since (else re-reads and decides again), then writes the routes.
   */
  private change(service: string, decide: () => Promise<DomainEvent[]>): Promise<ChangeResult> {
    return this.serialised(async () => {
      const subject = `registry.${service}`;
      for (let attempt = 1; ; attempt += 1) {
        const expected = await this.store.lastSequence(subject);
        await this.runner.waitUntilCaughtUp();
        const events = await decide();
        try {
          await this.store.appendAll(subject, events, expected);
        } catch (error) {
          if (attempt < MAX_DECISIONS && error instanceof MsecError && error.code === BusErrorCode.appendConflict) continue;
          throw error;
        }
        if (events.length > 0) await this.runner.waitUntilCaughtUp();
        break;
      }
      let routesWritten = true;
      try {
        await this.routes.sync(service);
      } catch (error) {
        routesWritten = false;
        this.logger.warn(`routes of ${service} not written yet: ${error instanceof Error ? error.message : String(error)}`);
      }
      const row = await this.findService(service);
      return { service: row ? await this.view(row) : null, routesWritten };
    });
  }

  private findService(name: string): Promise<ServiceEntity | null> {
    return this.dataSource.getRepository(ServiceEntity).findOneBy({ name });
  }

  private async requireService(name: string): Promise<ServiceEntity> {
    const service = await this.findService(name);
    if (!service) throw serviceNotFound(name);
    return service;
  }

  private async instanceMap(service: string): Promise<Map<string, InstanceEntity>> {
    const rows = await this.dataSource.getRepository(InstanceEntity).findBy({ service });
    return new Map(rows.map((r) => [keyOf(r), r]));
  }

  private async view(service: ServiceEntity): Promise<ServiceView> {
    const rows = await this.dataSource
      .getRepository(InstanceEntity)
      .find({ where: { service: service.name }, order: { ip: 'ASC', port: 'ASC' } });
    const live = service.kind === 'standard' ? await this.routes.liveKeys(service.name).catch(() => new Set<string>()) : undefined;
    const instances: InstanceView[] = rows.map((r) => ({
      ip: r.ip,
      port: r.port,
      weight: r.weight,
      enabled: r.enabled,
      live: live ? live.has(keyOf(r)) : true,
      tags: r.tags ? r.tags.split(',') : [],
    }));
    return {
      name: service.name,
      kind: service.kind as ServiceView['kind'],
      protocol: service.protocol,
      memo: service.memo,
      createdAt: service.createdAt,
      instances,
    };
  }
}
