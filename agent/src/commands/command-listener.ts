import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { AuditOutcome, DeploySubjects, argsDigest, type AgentAuditEvent, type CommandReply, type SignedCommand } from '@msec/contracts';
import { AgentCommandError, AgentErrorCode, REFUSED_WHILE_EXECUTING } from '../agent.errors.js';
import type { EventSink } from '../events/event-sink.js';
import type { AuditJournal } from './audit-journal.js';
import type { CommandExecutor } from './command-executor.js';
import type { CommandVerifier } from './command-verifier.js';
import { AgentLogger } from '../agent-logger.js';

/**
 * Serves `msec.agent.<hostId>.cmd`: verifies, executes, replies, and audits every command (on NATS and in
 * the agent's audit journal, `<stateDir>/audit.jsonl`), whatever became of it. A refused command never reaches the executor.
 */
export class CommandListener {
  private readonly logger = new AgentLogger('agent-commands');
  private subscription: Subscription | null = null;

  constructor(
    private readonly hostId: string,
    private readonly journal: AuditJournal,
    private readonly verifier: CommandVerifier,
    private readonly executor: CommandExecutor,
    private readonly events: EventSink,
  ) {}

  /** Subscribes to this host's command subject. */
  listen(nc: NatsConnection): void {
    this.subscription = nc.subscribe(DeploySubjects.agentCommand(this.hostId), {
      callback: (_err, msg) => {
        void this.handle(msg);
      },
    });
  }

  /** Stops taking commands and closes the audit journal. */
  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.journal.close();
  }

  /** Verifies and runs one raw command; exposed for tests of the gate without NATS. */
  async process(raw: unknown): Promise<CommandReply> {
    const receivedAt = Date.now();
    let command: SignedCommand | null = null;
    try {
      command = this.verifier.verify(raw, receivedAt);
    } catch (error) {
      const reply = this.failure(error, raw);
      this.audit(raw, receivedAt, AuditOutcome.refused, reply);
      return reply;
    }
    try {
      const result = await this.executor.execute(command);
      const reply: CommandReply = { ok: true, commandId: command.envelope.commandId, type: command.envelope.type, result };
      this.audit(command, receivedAt, AuditOutcome.executed, reply);
      return reply;
    } catch (error) {
      const reply = this.failure(error, command);
      const refused = error instanceof AgentCommandError && REFUSED_WHILE_EXECUTING.has(error.code);
      this.audit(command, receivedAt, refused ? AuditOutcome.refused : AuditOutcome.failed, reply);
      return reply;
    }
  }

  private async handle(msg: Msg): Promise<void> {
    let raw: unknown;
    try {
      raw = msg.json();
    } catch {
      raw = null;
    }
    const reply = await this.process(raw);
    if (msg.reply) msg.respond(JSON.stringify(reply));
  }

  private failure(error: unknown, raw: unknown): CommandReply {
    const id = envelopeOf(raw)?.commandId;
    const commandId = typeof id === 'string' ? id : null;
    if (error instanceof AgentCommandError) return { ok: false, commandId, code: error.code, reason: error.message };
    this.logger.error(`command ${commandId} failed: ${error instanceof Error ? error.stack : String(error)}`);
    return { ok: false, commandId, code: AgentErrorCode.commandFailed, reason: error instanceof Error ? error.message : 'command failed' };
  }

  private audit(raw: unknown, receivedAt: number, outcome: AuditOutcome, reply: CommandReply): void {
    const e = envelopeOf(raw);
    let digest: string | null = null;
    try {
      digest = e?.args ? argsDigest(e.args as SignedCommand['envelope']['args']) : null;
    } catch {
      digest = null;
    }
    const event: AgentAuditEvent = {
      hostId: this.hostId,
      commandId: printable(e?.commandId),
      type: printable(e?.type),
      keyId: typeof (raw as { keyId?: unknown } | null)?.keyId === 'string' ? (raw as { keyId: string }).keyId : null,
      issuedAt: typeof e?.issuedAt === 'number' ? e.issuedAt : null,
      receivedAt,
      outcome,
      code: reply.ok ? null : reply.code,
      reason: reply.ok ? null : reply.reason,
      argsDigest: digest,
      durationMs: Date.now() - receivedAt,
      // Only what a verified signature covers is trusted as the requester.
      requestedBy: outcome !== 'refused' && typeof e?.requestedBy === 'string' ? e.requestedBy.slice(0, 160) : null,
    };
    try {
      this.journal.append(event);
    } catch (error) {
      this.logger.error(`cannot append to ${this.journal.path}: ${String(error)}`);
    }
    this.events.publishDurable(
      DeploySubjects.agentAudit(this.hostId),
      event,
      `${this.hostId}.${event.commandId ?? 'none'}.${receivedAt}.${outcome}`,
    );
    if (outcome !== AuditOutcome.executed)
      this.logger.warn(`${outcome} ${event.type ?? '?'} ${event.commandId ?? '?'}: ${event.code} ${printable(event.reason) ?? ''}`);
  }
}

/**
 * A field of a command that may not be authentic, made safe to log and audit: control characters (a newline would
 * forge a log line) are escaped, and it is cut at 128 characters. Null when it is not a string.
 */
function printable(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let out = '';
  for (const c of value.slice(0, 128)) {
    const code = c.codePointAt(0)!;
    out += code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029 ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}

function envelopeOf(raw: unknown): Partial<Record<string, unknown>> | null {
  const e = (raw as { envelope?: unknown } | null)?.envelope;
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : null;
}
