import { NATS_CONNECTION } from '@msec/platform';
import { Injectable, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, type CanonicalValue, type CommandReply } from '@msec/contracts';
import { agentRefused, agentUnreachable } from '../deploy.errors.js';
import type { ConsoleKeyPair } from '../signing/console-keys.js';
import { CommandSigner } from '../signing/command-signer.js';

/** Sends signed commands to agents over `msec.agent.<hostId>.cmd` (raw JSON request/reply). */
@Injectable()
export class AgentClient {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CommandSigner) private readonly signer: CommandSigner,
  ) {}

  /** Signs, sends and returns the agent's result; throws DEPLOY_AGENT_REFUSED / DEPLOY_AGENT_UNREACHABLE. */
  async run(
    hostId: string,
    type: string,
    args: { [key: string]: CanonicalValue },
    timeoutMs = 15_000,
    key?: ConsoleKeyPair,
    requestedBy = 'deploy',
  ): Promise<{ [key: string]: CanonicalValue }> {
    const command = this.signer.sign(hostId, type, args, Math.max(30_000, timeoutMs), key, requestedBy);
    let reply: CommandReply;
    try {
      const msg = await this.nc.request(DeploySubjects.agentCommand(hostId), JSON.stringify(command), { timeout: timeoutMs });
      reply = msg.json<CommandReply>();
    } catch (error) {
      throw agentUnreachable(hostId, type, error);
    }
    if (!reply.ok) throw agentRefused(hostId, type, reply.code, reply.reason);
    return reply.result;
  }
}
