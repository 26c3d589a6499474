import type { DomainEvent } from '@msec/bus';
import { DeployEventType, ReleaseHostState, ReleaseState, type ReleaseEventPayloads, type ReleaseHostStep } from '@msec/contracts';
import type { ReleasePlan } from './releases.repository.js';

/** A release event with its typed payload. */
export type ReleaseEvent = { [K in keyof ReleaseEventPayloads]: DomainEvent<K, ReleaseEventPayloads[K]> }[keyof ReleaseEventPayloads];

/**
 * The state of a plan after one more of its events: the one rule the runner (on the events it just appended)
 * and the projection (on the stream) both follow, so the read model is what the runner saw.
 */
export function foldRelease(plan: ReleasePlan | null, event: ReleaseEvent): ReleasePlan {
  const at = Date.parse(event.occurredAt);
  if (event.type === DeployEventType.releaseCreated) {
    const p = event.payload;
    return {
      ...p,
      hosts: p.hosts.map((h) => ({ ...h })),
      state: ReleaseState.created,
      error: null,
      runNo: 1,
      canaryApproved: false,
      updatedAt: p.createdAt,
    };
  }
  if (event.type === DeployEventType.releaseImported)
    return { ...event.payload, hosts: event.payload.hosts.map((h) => ({ ...h })) } as ReleasePlan;
  if (plan === null) throw new Error(`${event.type} of plan ${event.payload.planId} before its creation`);
  const next: ReleasePlan = { ...plan, hosts: plan.hosts.map((h) => ({ ...h })), updatedAt: at };
  const host = (hostId: string): ReleaseHostStep => {
    const found = next.hosts.find((h) => h.hostId === hostId);
    if (!found) throw new Error(`${event.type}: plan ${plan.planId} has no host ${hostId}`);
    return found;
  };
  switch (event.type) {
    case DeployEventType.releaseStarted:
      next.state = ReleaseState.running;
      next.runNo = event.payload.runNo;
      break;
    case DeployEventType.batchStarted:
      break;
    case DeployEventType.instanceStarted:
      Object.assign(host(event.payload.hostId), { state: ReleaseHostState.changing, error: null });
      break;
    case DeployEventType.instanceHealthy:
      Object.assign(host(event.payload.hostId), { state: ReleaseHostState.done, error: null });
      break;
    case DeployEventType.instanceFailed:
      Object.assign(host(event.payload.hostId), { state: ReleaseHostState.failed, error: event.payload.reason });
      break;
    case DeployEventType.releasePaused:
      next.state = ReleaseState.paused;
      break;
    case DeployEventType.releaseResumed:
      next.state = ReleaseState.running;
      next.canaryApproved = true;
      next.runNo = event.payload.runNo;
      break;
    case DeployEventType.rollbackStarted:
      next.state = ReleaseState.rollingBack;
      next.error = event.payload.reason;
      break;
    case DeployEventType.instanceRollingBack:
      host(event.payload.hostId).state = ReleaseHostState.rollingBack;
      break;
    case DeployEventType.instanceRolledBack:
      host(event.payload.hostId).state = ReleaseHostState.rolledBack;
      break;
    case DeployEventType.releaseSucceeded:
      next.state = ReleaseState.succeeded;
      break;
    case DeployEventType.releaseRolledBack:
      next.state = ReleaseState.rolledBack;
      break;
    case DeployEventType.releaseFailed:
      next.state = ReleaseState.failed;
      next.error = event.payload.reason;
      break;
  }
  return next;
}
