import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ADMIN_ONLY_COMMAND_TYPES, DeploySubjects, ValidationError, type CanonicalValue } from '@msec/contracts';
import { describeRequester, parseRequester, requireAdmin } from './command-requester.js';
import { AgentClient } from '../agents/agent-client.js';
import { hostNotFound } from '../deploy.errors.js';
import { HostsProjection } from '../hosts/hosts.projection.js';
import { KeysDomain, type RotationResult } from './keys.domain.js';

/** Console key and one-off signed commands. */
@Controller()
export class KeysController {
  constructor(
    private readonly keys: KeysDomain,
    private readonly agents: AgentClient,
    private readonly hosts: HostsProjection,
  ) {}

  @MessagePattern(DeploySubjects.keysCurrent)
  current(): { keyId: string; publicKey: string; publicKeyFile: string } {
    return this.keys.current();
  }

  @MessagePattern(DeploySubjects.keysRotate)
  rotate(@Payload() body: { overlapSeconds?: number; actor?: unknown } | null): Promise<RotationResult> {
    // Only identities allowed to request console operations reach here (NATS permissions); the actor is checked anyway.
    const actor = requireAdmin(body?.actor, 'rotate the console key');
    return this.keys.rotate(body?.overlapSeconds ?? 3600, describeRequester(actor));
  }

  @MessagePattern(DeploySubjects.commandSend)
  async send(
    @Payload() body: { hostId?: unknown; type?: unknown; args?: unknown; timeoutMs?: unknown; actor?: unknown } | null,
  ): Promise<{ [key: string]: CanonicalValue }> {
    const actor = parseRequester(body?.actor);
    if (typeof body?.hostId !== 'string' || body.hostId === '')
      throw new ValidationError('hostId', 'must name a host (see msec.deploy.hosts.list)');
    if (typeof body.type !== 'string' || body.type === '') throw new ValidationError('type', 'must be an agent command type');
    const args = body.args ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new ValidationError('args', 'must be an object');
    if (ADMIN_ONLY_COMMAND_TYPES.includes(body.type)) requireAdmin(actor, `send a ${body.type} command`);
    const timeoutMs = typeof body.timeoutMs === 'number' ? body.timeoutMs : 15_000;
    if (!(await this.hosts.get(body.hostId))) throw hostNotFound(body.hostId);
    return this.agents.run(
      body.hostId,
      body.type,
      args as { [key: string]: CanonicalValue },
      timeoutMs,
      undefined,
      describeRequester(actor),
    );
  }
}
