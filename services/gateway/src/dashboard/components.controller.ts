import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { COMPONENTS_IN_START_ORDER, MsecError, Subjects, type ComponentStatus, type HealthReport } from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { NatsForwarder } from '../http/nats-forwarder.js';

/** How long the dashboard waits for each component's health. */
const HEALTH_DEADLINE_MS = 1500;

/** Health of the platform's own components, asked over NATS (an example of forwarding with a deadline). */
@ApiTags('platform')
@Controller('api/v1/components')
export class ComponentsController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Readiness of every platform component (msec.<name>.health, 1.5 s deadline each)' })
  async list(): Promise<{ items: ComponentStatus[] }> {
    const items = await Promise.all(
      COMPONENTS_IN_START_ORDER.map(async (component): Promise<ComponentStatus> => {
        try {
          const report = await this.nats.request<HealthReport>(Subjects.health(component), {}, HEALTH_DEADLINE_MS);
          const failing = report.dependencies.filter((d) => !d.ok).map((d) => `${d.name}${d.detail ? `: ${d.detail}` : ''}`);
          return { component, ready: report.ready, detail: failing.join('; ') };
        } catch (error) {
          const code = error instanceof MsecError ? error.code : 'INTERNAL';
          const detail =
            code === 'NATS_NO_RESPONDERS'
              ? 'not running'
              : code === 'NATS_TIMEOUT'
                ? `no answer within ${HEALTH_DEADLINE_MS} ms`
                : 'cannot be asked';
          return { component, ready: false, detail, code };
        }
      }),
    );
    return { items };
  }
}
