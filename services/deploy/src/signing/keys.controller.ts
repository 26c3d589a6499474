import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DeploySubjects, ValidationError, type CanonicalValue } from '@msec/contracts';
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
  rotate(@Payload() body: { overlapSeconds?: number } | null): Promise<RotationResult> {
    return this.keys.rotate(body?.overlapSeconds ?? 3600);
  }

  @MessagePattern(DeploySubjects.commandSend)
  async send(
    @Payload() body: { hostId?: unknown; type?: unknown; args?: unknown; timeoutMs?: unknown } | null,
  ): Promise<{ [key: string]: CanonicalValue }> {
    if (typeof body?.hostId !== 'string' || body.hostId === '')
      throw new ValidationError('hostId', 'must name a host (see msec.deploy.hosts.list)');
    if (typeof body.type !== 'string' || body.type === '') throw new ValidationError('type', 'must be an agent command type');
    const args = body.args ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new ValidationError('args', 'must be an object');
    const timeoutMs = typeof body.timeoutMs === 'number' ? body.timeoutMs : 15_000;
    if (!(await this.hosts.get(body.hostId))) throw hostNotFound(body.hostId);
    return this.agents.run(body.hostId, body.type, args as { [key: string]: CanonicalValue }, timeoutMs);
  }
}
