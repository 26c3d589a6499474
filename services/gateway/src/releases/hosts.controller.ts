import { Controller, Delete, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  DeploySubjects,
  RegistrySubjects,
  type ServiceView,
  type AgentAuditEvent,
  type CanonicalValue,
  type CommandRequester,
  type HostEnrollmentCreated,
  type HostEnrollmentGrant,
  type HostEnrollmentView,
  type HostView,
} from '@msec/contracts';
import { loginRateLimited } from '../gateway.errors.js';
import type { GatewayRequest } from '../http/request-context.js';
import { Access, Public, Role } from '../auth/access.js';
import { LoginRateLimiter } from '../auth/login-rate-limiter.js';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import { decodeCursor, encodeCursor, PAGE_SIZE, pageQueryShape, type Page } from '../http/pagination.js';
import { s, type Infer } from '../http/schema.js';
import { forwardToDeploy } from './deploy-forward.js';
import { auditQuery, commandBody, enrollBody, enrollmentId, hostId, redeemBody, rotateBody } from './deploy.schemas.js';

/** Key rotation reaches every host that is up; an agent command may run for a while. */
const ROTATE_DEADLINE_MS = 30_000;
const COMMAND_SLACK_MS = 2000;

const hostsQuery = s.object({ ...pageQueryShape });
const offlineBody = s.object({
  reason: s.string({ max: 500 }).optional().describe('why (shown on the Hosts page)'),
  drainMs: s
    .int({ min: 0, max: 600_000 })
    .optional()
    .describe('after callers stop routing to its instances, how long to wait for calls in flight (default 2000)'),
});
/** Callers follow a routing change within about a second; the registry applies the offline event before that. */
const ROUTING_WAIT_MS = 15_000;
const DEFAULT_DRAIN_MS = 2000;

/** What taking a host offline answers. */
export interface HostOfflineReply {
  host: HostView;
  /** Routed instances at the host's address when the answer was given (0 once the registry took them out). */
  stillRouted: number;
  /** False when the registry did not confirm within ROUTING_WAIT_MS (not running?): the change applies when it does. */
  routingConfirmed: boolean;
  drainedMs: number;
}
/** Failed redemptions are counted per address under this name, as failed logins are per user. */
const ENROLL_LIMIT_KEY = '\u0000enroll';

/** The signed-in user, named in every command deploy signs (the auth guard ran before, so a principal is there). */
function requesterOf(req: GatewayRequest): CommandRequester {
  return { user: req.principal?.username ?? 'unknown', role: req.principal?.role ?? 'none' };
}

/** Reply of a key rotation. */
export interface RotationView {
  keyId: string;
  previousKeyId: string;
  overlapSeconds: number;
  hosts: { hostId: string; ok: boolean; error: string | null }[];
}

/** Hosts running an agent, their metrics and the audit of signed commands (REST face of the deploy service). */
@ApiTags('hosts')
@Controller('api/v1/hosts')
export class HostsController {
  constructor(
    @Inject(NatsForwarder) private readonly nats: NatsForwarder,
    @Inject(LoginRateLimiter) private readonly limiter: LoginRateLimiter,
  ) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Hosts with status (up/down), last heartbeat, metrics (CPU, memory, disk, load) and instances, by host id' })
  async list(@QueryParams(hostsQuery) query: Infer<typeof hostsQuery>): Promise<Page<HostView>> {
    const after = decodeCursor(query.cursor);
    const limit = query.limit ?? PAGE_SIZE.default;
    const all = await this.nats.request<HostView[]>(DeploySubjects.hostsList, {});
    const rows = all.sort((a, b) => a.hostId.localeCompare(b.hostId)).filter((h) => after === undefined || h.hostId > String(after));
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!.hostId) : null };
  }

  @Post(':hostId/offline')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({
    summary:
      'Take a host offline for maintenance: the registry stops routing to its instances (they keep running), then calls in flight get drainMs to finish; new releases leave it out',
  })
  async offline(
    @PathParam('hostId', hostId) id: string,
    @JsonBody(offlineBody) body: Infer<typeof offlineBody>,
    @Req() req: GatewayRequest,
  ): Promise<HostOfflineReply> {
    const host = await forwardToDeploy<HostView>(
      this.nats,
      DeploySubjects.hostsOffline,
      { hostId: id, reason: body.reason ?? '', by: req.principal!.username },
      { hostId: 'path.hostId' },
    );
    const stillRouted = await this.waitUntilUnrouted(host.ip);
    const drainedMs = body.drainMs ?? DEFAULT_DRAIN_MS;
    if (stillRouted === 0) await new Promise((resolve) => setTimeout(resolve, drainedMs));
    return { host, stillRouted, routingConfirmed: stillRouted === 0, drainedMs: stillRouted === 0 ? drainedMs : 0 };
  }

  @Post(':hostId/online')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({ summary: 'Bring an offline host back: the instances taken out of routing for it are routed again within seconds' })
  online(@PathParam('hostId', hostId) id: string, @Req() req: GatewayRequest): Promise<HostView> {
    return forwardToDeploy(this.nats, DeploySubjects.hostsOnline, { hostId: id, by: req.principal!.username }, { hostId: 'path.hostId' });
  }

  /** Polls the registry until no routed instance is left at `ip`; answers how many still are when it gives up. */
  private async waitUntilUnrouted(ip: string): Promise<number> {
    const deadline = Date.now() + ROUTING_WAIT_MS;
    for (;;) {
      const services = await this.nats.request<ServiceView[]>(RegistrySubjects.serviceList, {}).catch(() => undefined);
      const routed = services?.flatMap((svc) => svc.instances).filter((i) => i.ip === ip && i.enabled).length;
      if (routed === 0 || Date.now() > deadline) return routed ?? -1;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  @Get('audit')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Audited agent commands (executed, failed, refused), newest first' })
  async audit(@QueryParams(auditQuery) query: Infer<typeof auditQuery>): Promise<Page<AgentAuditEvent>> {
    const items = await forwardToDeploy<AgentAuditEvent[]>(this.nats, DeploySubjects.auditList, query, 'query');
    return { items, nextCursor: null };
  }

  @Post('enrollments')
  @HttpCode(201)
  @Access(Role.admin)
  @ApiOperation({
    summary: 'A one-time enrolment token for a new host: its agent joins with `./msec agent --enroll TOKEN` (shown once, by hash after)',
  })
  enroll(@JsonBody(enrollBody) body: Infer<typeof enrollBody>, @Req() req: GatewayRequest): Promise<HostEnrollmentCreated> {
    return forwardToDeploy(this.nats, DeploySubjects.hostsEnroll, { ...body, actor: requesterOf(req) }, 'body');
  }

  @Get('enrollments')
  @Access(Role.admin)
  @ApiOperation({ summary: 'Enrolment tokens, newest first: pending, used (when and from where), expired or cancelled' })
  async enrollments(): Promise<Page<HostEnrollmentView>> {
    return { items: await this.nats.request<HostEnrollmentView[]>(DeploySubjects.hostsEnrollments, {}), nextCursor: null };
  }

  @Delete('enrollments/:id')
  @Access(Role.admin)
  @ApiOperation({ summary: 'Cancel an enrolment token that was not used yet' })
  revokeEnrollment(@PathParam('id', enrollmentId) id: string, @Req() req: GatewayRequest): Promise<HostEnrollmentView> {
    return forwardToDeploy(this.nats, DeploySubjects.hostsEnrollmentRevoke, { id, actor: requesterOf(req) }, { id: 'path.id' });
  }

  @Post('enroll')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary:
      "A new host's agent redeems its enrolment token (once) for its NATS credentials and the console key; no login (the token is the proof); 5 failures a minute per address → 429",
  })
  async redeem(@JsonBody(redeemBody) body: Infer<typeof redeemBody>, @Req() req: GatewayRequest): Promise<HostEnrollmentGrant> {
    const ip = req.ip ?? 'unknown';
    const wait = this.limiter.retryAfterSeconds(ENROLL_LIMIT_KEY, ip);
    if (wait > 0) throw loginRateLimited(wait, 'enrolments from this address');
    try {
      const grant = await forwardToDeploy<HostEnrollmentGrant>(
        this.nats,
        DeploySubjects.hostsRedeem,
        { token: body.token, from: ip },
        'body',
      );
      req.auditActor = `agent-${grant.hostId}`;
      return grant;
    } catch (error) {
      this.limiter.fail(ENROLL_LIMIT_KEY, ip);
      throw error;
    }
  }

  @Post(':hostId/commands')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({ summary: 'Sign and send one command to a host agent (operator power; the agent audits it)' })
  command(
    @PathParam('hostId', hostId) host: string,
    @JsonBody(commandBody) body: Infer<typeof commandBody>,
    @Req() req: GatewayRequest,
  ): Promise<Record<string, CanonicalValue>> {
    const timeoutMs = body.timeoutMs ?? 15_000;
    return forwardToDeploy(
      this.nats,
      DeploySubjects.commandSend,
      { hostId: host, type: body.type, args: body.args ?? {}, timeoutMs, actor: requesterOf(req) },
      { hostId: 'path.hostId', type: 'body.type', args: 'body.args', timeoutMs: 'body.timeoutMs' },
      timeoutMs + COMMAND_SLACK_MS,
    );
  }
}

/** The console's command-signing key. */
@ApiTags('hosts')
@Controller('api/v1/keys')
export class KeysController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get('current')
  @Access(Role.viewer)
  @ApiOperation({ summary: "The console's current public key and key id (copy console.pub to new hosts)" })
  current(): Promise<{ keyId: string; publicKey: string; publicKeyFile: string }> {
    return this.nats.request(DeploySubjects.keysCurrent, {});
  }

  @Post('rotate')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({ summary: 'Rotate the signing key; agents that are up accept the old one during the overlap' })
  rotate(@JsonBody(rotateBody) body: Infer<typeof rotateBody>, @Req() req: GatewayRequest): Promise<RotationView> {
    return forwardToDeploy(this.nats, DeploySubjects.keysRotate, { ...body, actor: requesterOf(req) }, 'body', ROTATE_DEADLINE_MS);
  }
}
