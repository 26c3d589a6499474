import { DEPLOY_EVENTS } from '../deploy.tokens.js';
import { Injectable, Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Repository } from 'typeorm';
import {
  DeployEventSubjects,
  DeployEventType,
  DeploySubjects,
  type AgentHeartbeat,
  type HostStatusChanged,
  type HostView,
} from '@msec/contracts';
import { DeployEventLog } from '../events/deploy-event-log.js';
import type { EventPublisher } from '../events/event-publisher.js';
import { HostMaintenanceRecord, HostRecord } from './hosts.entities.js';

/** A host marked down and its last heartbeat (epoch ms). */
export interface DownHost {
  hostId: string;
  lastSeenAt: number;
}

/** A host is down once this many heartbeat intervals pass without one. */
export const MISSED_HEARTBEATS_FOR_DOWN = 3;
/** How often the sweeper looks for silent hosts. */
export const HOST_SWEEP_MS = 500;

/**
 * Hosts read model (volatile: heartbeats are not events): each heartbeat upserts its host as up; a status
 * change is first appended as `deploy.HostUp`/`deploy.HostDown` (once, whichever deploy process sees it
 * first), then published live on `host-status`. A sweeper marks a host down once `MISSED_HEARTBEATS_FOR_DOWN × intervalMs` pass without a heartbeat, so with
 * the default 3 s interval a stopped agent shows down within 9.5 s.
 */
@Injectable()
export class HostsProjection {
  private readonly repo: Repository<HostRecord>;
  private readonly maintenance: Repository<HostMaintenanceRecord>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(DEPLOY_EVENTS) private readonly events: EventPublisher,
    @Inject(DeployEventLog) private readonly log: DeployEventLog | null = null,
  ) {
    this.repo = dataSource.getRepository(HostRecord);
    this.maintenance = dataSource.getRepository(HostMaintenanceRecord);
  }

  /** Applies one heartbeat; idempotent. */
  async onHeartbeat(hb: AgentHeartbeat, now: number = Date.now()): Promise<void> {
    const before = await this.repo.findOneBy({ hostId: hb.hostId });
    const cameUp = !before || before.status === 'down';
    // recorded before the read model says so: a failed append is tried again on the next heartbeat
    if (cameUp)
      await this.log?.recordChange(
        DeployEventSubjects.host(hb.hostId),
        DeployEventType.hostUp,
        hb.hostId,
        { hostId: hb.hostId, ip: hb.ip, at: now },
        (last) => last?.type === DeployEventType.hostUp,
      );
    await this.repo.save({
      hostId: hb.hostId,
      ip: hb.ip,
      status: 'up',
      lastSeenAt: now,
      intervalMs: hb.intervalMs,
      metricsJson: JSON.stringify(hb.metrics),
      instancesJson: JSON.stringify(hb.instances),
    });
    if (cameUp) this.changed(hb.hostId, 'up', now, now);
  }

  /** Marks silent hosts down; returns the ids that changed. */
  async sweep(now: number = Date.now()): Promise<string[]> {
    const changed: string[] = [];
    for (const host of await this.repo.findBy({ status: 'up' })) {
      const lastSeenAt = Number(host.lastSeenAt);
      if (now - lastSeenAt > MISSED_HEARTBEATS_FOR_DOWN * host.intervalMs) {
        await this.log?.recordChange(
          DeployEventSubjects.host(host.hostId),
          DeployEventType.hostDown,
          host.hostId,
          { hostId: host.hostId, lastSeenAt, at: now },
          (last) => last?.type === DeployEventType.hostDown,
        );
        await this.repo.update({ hostId: host.hostId }, { status: 'down' });
        this.changed(host.hostId, 'down', now, lastSeenAt);
        changed.push(host.hostId);
      }
    }
    return changed;
  }

  /** Every host, sorted by id. */
  async list(): Promise<HostView[]> {
    const rows = await this.repo.find({ order: { hostId: 'ASC' } });
    const offline = new Map((await this.maintenance.find()).map((m) => [m.hostId, m]));
    return rows.map((r) => toView(r, offline.get(r.hostId)));
  }

  /** Those of `hostIds` marked down, with when each was last heard from. */
  async down(hostIds: string[]): Promise<DownHost[]> {
    if (hostIds.length === 0) return [];
    const wanted = new Set(hostIds);
    // all down hosts, filtered here: few as they are, and a batch's hosts could pass SQLite's bound-parameter limit
    const rows = await this.repo.findBy({ status: 'down' });
    return rows.filter((r) => wanted.has(r.hostId)).map((r) => ({ hostId: r.hostId, lastSeenAt: Number(r.lastSeenAt) }));
  }

  /** One host, or null. */
  async get(hostId: string): Promise<HostView | null> {
    const row = await this.repo.findOneBy({ hostId });
    return row ? toView(row, (await this.maintenance.findOneBy({ hostId })) ?? undefined) : null;
  }

  private changed(hostId: string, status: 'up' | 'down', at: number, lastSeenAt: number): void {
    const event: HostStatusChanged = { hostId, status, at, lastSeenAt };
    this.events.publish(DeploySubjects.hostStatus, event);
  }
}

function toView(r: HostRecord, offline: HostMaintenanceRecord | undefined): HostView {
  return {
    ...(offline ? { offline: { since: Number(offline.since), by: offline.by, reason: offline.reason } } : {}),
    hostId: r.hostId,
    ip: r.ip,
    status: r.status,
    lastSeenAt: Number(r.lastSeenAt),
    intervalMs: r.intervalMs,
    metrics: JSON.parse(r.metricsJson) as HostView['metrics'],
    instances: JSON.parse(r.instancesJson) as HostView['instances'],
  };
}
