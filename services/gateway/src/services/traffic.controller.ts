import { Controller, Delete, Get, Inject, Put, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RegistrySubjects, type BreakersView, type TrafficPolicyView } from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { JsonBody, PathParam } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import type { GatewayRequest } from '../http/request-context.js';
import { s, type Infer } from '../http/schema.js';
import { addressParam, serviceName, type InstanceAddress } from './services.schemas.js';
import { breakersOf } from './breaker-states.js';

const CHANGE_DEADLINE_MS = 10_000;

/** pkg.Service.Method, or * for every method without its own limit. */
const methodName = s.string({
  min: 1,
  max: 256,
  pattern: /^(\*|[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){2,})$/,
  hint: 'must be a full method name pkg.Service.Method (e.g. flight.FlightService.Query), or * for every method',
});

const limitBody = s.object({
  qps: s.number({ min: 0.001, max: 10_000_000 }).describe('requests per second each instance admits'),
  burst: s.number({ min: 1 }).optional().describe('tokens a bucket holds when full; default qps'),
  cluster: s
    .boolean()
    .optional()
    .describe('qps is for the whole service: its instances count together (even share while the count is unreachable)'),
});

const breakerBody = s.object({
  windowMs: s.int({ min: 1 }).optional().describe('sliding window, ms (default 10000)'),
  minCalls: s.int({ min: 1 }).optional().describe('calls in the window before it may open (default 10)'),
  errorRatio: s.number({ min: 0.001, max: 1 }).optional().describe('opens at this failed share (default 0.4)'),
  slowCallMs: s.int({ min: 1 }).optional().describe('a call at least this slow counts as slow, ms (default 1000)'),
  slowRatio: s.number({ min: 0.001, max: 1 }).optional().describe('opens at this slow share (default 0.8)'),
  openMs: s.int({ min: 1 }).optional().describe('how long it stays open before probing, ms (default 1000)'),
  halfOpenProbes: s.int({ min: 1 }).optional().describe('successful probes that close it (default 3)'),
});

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAME_HINT = 'must be 1-64 letters, digits, . _ - (e.g. v2)';
const ruleId = s.string({ min: 1, max: 64, pattern: NAME, hint: 'must be 1-64 letters, digits, . _ - (e.g. beta-users)' });

const routeBody = s.object({
  tag: s
    .string({ min: 1, max: 64, pattern: NAME, hint: NAME_HINT })
    .describe('instances carrying this tag take the requests the rule matches'),
  order: s.int({ min: 0, max: 1_000_000 }).optional().describe('rules are tried lowest first (default 100), then by id'),
  caller: s.string({ min: 3, max: 128 }).optional().describe('matches calls from this service (First.Second)'),
  field: s.string({ min: 1, max: 64 }).optional().describe('a top-level request field, compared with values or hashed for percent'),
  values: s
    .array(s.string({ min: 1, max: 256 }), { min: 1, max: 1000 })
    .optional()
    .describe('matches when the field equals one of these'),
  percent: s
    .number({ min: 0.001, max: 100 })
    .optional()
    .describe('with field: that share of field values (stable per value); alone: that share of requests'),
});

const tagsBody = s.object({
  tags: s.array(s.string({ min: 1, max: 64, pattern: NAME, hint: NAME_HINT }), { max: 16 }).describe('the tags; [] untags the instance'),
});

const MOVED: Record<string, string> = { service: 'path.name', method: 'path.method', by: 'principal', 'rule.id': 'path.id', id: 'path.id' };

/** Traffic governance of a service: its rate limits and the breaker settings its callers use. Viewers read, developers change. */
@ApiTags('services')
@Controller('api/v1/services/:name')
export class TrafficController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get('traffic')
  @Access(Role.viewer)
  @ApiOperation({ summary: "A service's traffic policy: rate limits, breaker settings, version and who changed it last" })
  show(@PathParam('name', serviceName) name: string): Promise<TrafficPolicyView> {
    return this.forward(RegistrySubjects.trafficShow, { service: name });
  }

  @Get('breakers')
  @Access(Role.viewer)
  @ApiOperation({
    summary:
      "The circuit breakers this service's callers keep for it (last 15 minutes): worst state in the latest report, openings, refusals",
  })
  breakers(@PathParam('name', serviceName) name: string): Promise<BreakersView> {
    return breakersOf(this.nats, name);
  }

  @Put('limits/:method')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Set the rate limit of one method (per instance); refused calls fail with RPC_RATE_LIMITED' })
  setLimit(
    @PathParam('name', serviceName) name: string,
    @PathParam('method', methodName) method: string,
    @JsonBody(limitBody) body: Infer<typeof limitBody>,
    @Req() req: GatewayRequest,
  ): Promise<TrafficPolicyView> {
    return this.forward(RegistrySubjects.limitSet, { service: name, method, ...body, by: req.principal!.username });
  }

  @Delete('limits/:method')
  @Access(Role.developer)
  @ApiOperation({ summary: "Remove a method's rate limit" })
  removeLimit(
    @PathParam('name', serviceName) name: string,
    @PathParam('method', methodName) method: string,
    @Req() req: GatewayRequest,
  ): Promise<TrafficPolicyView> {
    return this.forward(RegistrySubjects.limitRemove, { service: name, method, by: req.principal!.username });
  }

  @Put('breaker')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Set the circuit-breaker settings callers use for this service ({} restores the defaults)' })
  setBreaker(
    @PathParam('name', serviceName) name: string,
    @JsonBody(breakerBody) body: Infer<typeof breakerBody>,
    @Req() req: GatewayRequest,
  ): Promise<TrafficPolicyView> {
    const settings = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    return this.forward(RegistrySubjects.breakerSet, { service: name, settings, by: req.principal!.username });
  }

  @Put('routes/:id')
  @Access(Role.developer)
  @ApiOperation({
    summary: "Set (or replace) a routing rule: callers send the requests it matches to this service's instances carrying its tag",
  })
  setRoute(
    @PathParam('name', serviceName) name: string,
    @PathParam('id', ruleId) id: string,
    @JsonBody(routeBody) body: Infer<typeof routeBody>,
    @Req() req: GatewayRequest,
  ): Promise<TrafficPolicyView> {
    const rule = Object.fromEntries(Object.entries({ id, ...body }).filter(([, v]) => v !== undefined));
    return this.forward(RegistrySubjects.routeSet, { service: name, rule, by: req.principal!.username });
  }

  @Delete('routes/:id')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Remove a routing rule; the requests it matched go back to normal selection' })
  removeRoute(
    @PathParam('name', serviceName) name: string,
    @PathParam('id', ruleId) id: string,
    @Req() req: GatewayRequest,
  ): Promise<TrafficPolicyView> {
    return this.forward(RegistrySubjects.routeRemove, { service: name, id, by: req.principal!.username });
  }

  @Put('instances/:address/tags')
  @Access(Role.developer)
  @ApiOperation({ summary: "Set one instance's tags (routing rules send requests to instances by tag); [] untags it" })
  setTags(
    @PathParam('name', serviceName) name: string,
    @PathParam('address', addressParam) address: InstanceAddress,
    @JsonBody(tagsBody) body: Infer<typeof tagsBody>,
    @Req() req: GatewayRequest,
  ): Promise<unknown> {
    return this.nats.requestNamingRestFields(
      RegistrySubjects.instanceTags,
      { service: name, ip: address.ip, port: address.port, tags: body.tags, by: req.principal!.username },
      (field) => (field === 'ip' || field === 'port' ? 'path.address' : (MOVED[field] ?? `body.${field}`)),
      CHANGE_DEADLINE_MS,
    );
  }

  private forward<T>(subject: string, data: unknown): Promise<T> {
    return this.nats.requestNamingRestFields<T>(
      subject,
      data,
      (field) => MOVED[field] ?? `body.${field.replace(/^(settings|rule)\./, '')}`,
      CHANGE_DEADLINE_MS,
    );
  }
}
