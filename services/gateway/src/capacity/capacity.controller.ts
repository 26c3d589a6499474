import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DeploySubjects, MonitorSubjects, type CallsReply, type CapacityReport, type HostView } from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { QueryParams } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import { s, type Infer } from '../http/schema.js';
import { capacityReport } from './capacity.js';

/** Calls per second are averaged over the last complete minutes of this window. */
const WINDOW_MS = 5 * 60_000;

const capacityQuery = s.object({
  targetCpu: s.int({ min: 1, max: 100 }).optional().describe('CPU per instance to plan for, % of one core (default 60)'),
});

/** Capacity: per service, its instances' CPU and memory from the agents, its calls per second, and how many instances it needs. */
@ApiTags('capacity')
@Controller('api/v1/capacity')
export class CapacityController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({
    summary:
      'Per service: instances with CPU and memory (agents), calls per second (last 5 minutes), hosts used and a suggested instance count for a target CPU',
  })
  async report(@QueryParams(capacityQuery) q: Infer<typeof capacityQuery>): Promise<CapacityReport> {
    const to = Math.floor(Date.now() / 60_000) * 60_000;
    const from = to - WINDOW_MS;
    const [hosts, calls] = await Promise.all([
      this.nats.request<HostView[]>(DeploySubjects.hostsList, {}),
      // Without the monitor the view still shows CPU and memory; calls per second are then unknown.
      this.nats.request<CallsReply>(MonitorSubjects.calls, { from, to }).then(
        (reply) => reply.rows,
        () => [],
      ),
    ]);
    return capacityReport(hosts, calls, q.targetCpu ?? 60, WINDOW_MS);
  }
}
