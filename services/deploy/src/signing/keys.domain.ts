import { Injectable, Inject } from '@nestjs/common';
import { AgentCommandType, DeployEventSubjects, DeployEventType } from '@msec/contracts';
import { ValidationError } from '@msec/contracts';
import { AgentClient } from '../agents/agent-client.js';
import { DeployEventLog } from '../events/deploy-event-log.js';
import { HostsProjection } from '../hosts/hosts.projection.js';
import { generateConsoleKey, ConsoleKeyStore } from './console-keys.js';

/** Outcome of a key rotation per host. */
export interface RotationResult {
  keyId: string;
  previousKeyId: string;
  overlapSeconds: number;
  hosts: { hostId: string; ok: boolean; error: string | null }[];
}

/**
 * Console key rotation: new key pair, recorded as `deploy.SigningKeyRotated`, then a `rotate-key` signed with the
 * old key to every host that is up.
 */
@Injectable()
export class KeysDomain {
  constructor(
    @Inject(ConsoleKeyStore) private readonly keys: ConsoleKeyStore,
    @Inject(AgentClient) private readonly agents: AgentClient,
    @Inject(HostsProjection) private readonly hosts: HostsProjection,
    @Inject(DeployEventLog) private readonly log: DeployEventLog | null = null,
  ) {}

  /** The current public key. */
  current(): { keyId: string; publicKey: string; publicKeyFile: string } {
    return { keyId: this.keys.key.keyId, publicKey: this.keys.key.publicPem, publicKeyFile: this.keys.publicKeyFile };
  }

  /** Rotates; hosts that are down keep only the old key until their key file is updated (see docs/operations.md). */
  async rotate(overlapSeconds = 3600, requestedBy = 'deploy'): Promise<RotationResult> {
    if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > 30 * 86_400)
      throw new ValidationError('overlapSeconds', 'must be an integer in 0..2592000');
    const next = generateConsoleKey();
    if (this.log) {
      // Recorded first, expecting the last rotation this process knows of: of two rotations at once (any deploy
      // process), one happens and the other is refused with BUS_APPEND_CONFLICT.
      const last = await this.log.last(DeployEventSubjects.keys);
      const lastKeyId = last?.event.type === DeployEventType.signingKeyRotated ? last.event.payload.keyId : null;
      if (lastKeyId !== null && lastKeyId !== this.keys.key.keyId) this.keys.reload();
      await this.log.append(
        DeployEventSubjects.keys,
        DeployEventType.signingKeyRotated,
        'console-key',
        { keyId: next.keyId, previousKeyId: this.keys.key.keyId, overlapSeconds, requestedBy },
        last?.seq ?? 0,
      );
    }
    const { previous } = this.keys.rotate(next);
    const up = (await this.hosts.list()).filter((h) => h.status === 'up');
    const hosts = await Promise.all(
      up.map(async (h) => {
        try {
          await this.agents.run(
            h.hostId,
            AgentCommandType.rotateKey,
            { publicKey: next.publicPem, overlapSeconds },
            10_000,
            previous,
            requestedBy,
          );
          return { hostId: h.hostId, ok: true, error: null };
        } catch (error) {
          return { hostId: h.hostId, ok: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    return { keyId: next.keyId, previousKeyId: previous.keyId, overlapSeconds, hosts };
  }
}
