/** What an agent can be asked to do; anything else is refused as AGENT_UNKNOWN_TYPE. */
export const AgentCommandType = {
  putFile: 'put-file',
  getFile: 'get-file',
  installPackage: 'install-package',
  startInstance: 'start-instance',
  stopInstance: 'stop-instance',
  restartInstance: 'restart-instance',
  exec: 'exec',
  rotateKey: 'rotate-key',
} as const;
/** One of the command types an agent executes. */
export type AgentCommandType = (typeof AgentCommandType)[keyof typeof AgentCommandType];

/** Command types that run or move arbitrary things on a host: deploy signs them only for an admin. */
export const ADMIN_ONLY_COMMAND_TYPES: readonly string[] = [
  AgentCommandType.exec,
  AgentCommandType.putFile,
  AgentCommandType.getFile,
  AgentCommandType.rotateKey,
];

/** Who asked deploy for a command or a key rotation: the gateway sets it from the signed-in user. */
export interface CommandRequester {
  user: string;
  role: string;
}

/** JSON values that survive canonical serialisation unchanged. */
export type CanonicalValue = string | number | boolean | null | CanonicalValue[] | { [key: string]: CanonicalValue };

/** The signed part of a command: every field is covered by the signature. */
export interface CommandEnvelope {
  /** Envelope format version, 1. */
  v: 1;
  hostId: string;
  commandId: string;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  /** Milliseconds since the epoch; at most AGENT_MAX_COMMAND_LIFETIME_MS after issuedAt. */
  expiresAt: number;
  /** 128-bit random, hex; an agent accepts each nonce once. */
  nonce: string;
  type: string;
  args: { [key: string]: CanonicalValue };
  /** Who asked: `user (role)` from the gateway, or `deploy` for the steps of a release; signed like the rest. */
  requestedBy?: string;
}

/** What travels on `msec.agent.<hostId>.cmd`. */
export interface SignedCommand {
  envelope: CommandEnvelope;
  /** Id of the signing key: first 16 hex digits of SHA-256 over its SPKI DER. */
  keyId: string;
  /** Ed25519 signature (base64) over COMMAND_SIGNING_PREFIX + canonicalJson(envelope). */
  signature: string;
}

/** The result of an `exec` command: the agent ran argv without a shell and waited for it to exit. */
export interface ExecCommandResult {
  exitCode: number;
  /** The output streams, each cut to its first 65,536 characters. */
  stdout: string;
  stderr: string;
}

/** An agent's answer to a command. */
export type CommandReply =
  | { ok: true; commandId: string; type: string; result: { [key: string]: CanonicalValue } }
  | { ok: false; commandId: string | null; code: string; reason: string };

/** The outcome recorded for an audited command. */
export const AuditOutcome = { executed: 'executed', failed: 'failed', refused: 'refused' } as const;
/** executed, failed or refused. */
export type AuditOutcome = (typeof AuditOutcome)[keyof typeof AuditOutcome];

/** Published on `msec.events.agent.<hostId>.audit` for every command an agent received. */
export interface AgentAuditEvent {
  hostId: string;
  commandId: string | null;
  type: string | null;
  keyId: string | null;
  issuedAt: number | null;
  receivedAt: number;
  outcome: AuditOutcome;
  code: string | null;
  reason: string | null;
  /** SHA-256 (hex) of the canonical args; file contents are never audited in clear. */
  argsDigest: string | null;
  durationMs: number;
  /** Who asked deploy for the command (from the signed envelope); null for an unsigned or older command. */
  requestedBy: string | null;
}

/** Host metrics sent in each heartbeat. */
export interface HostMetrics {
  cpuPercent: number;
  load: [number, number, number];
  memTotalBytes: number;
  memFreeBytes: number;
  diskTotalBytes: number;
  diskFreeBytes: number;
}

/** One supervised business instance as an agent reports it. */
export interface InstanceReport {
  name: string;
  service: string;
  port: number;
  status: string;
  pid: number | null;
  restarts: number;
  packageVersion: string;
  /** CPU of the process since the previous heartbeat, % of one core (absent on the first reading). */
  cpuPercent?: number;
  /** Resident memory of the process, MB. */
  rssMb?: number;
}

/** Published on `msec.events.agent.<hostId>.heartbeat` every intervalMs. */
export interface AgentHeartbeat {
  hostId: string;
  ip: string;
  intervalMs: number;
  startedAt: number;
  sentAt: number;
  metrics: HostMetrics;
  instances: InstanceReport[];
}

/** Published on `msec.events.deploy.host-status` when a host goes down or comes back. */
export interface HostStatusChanged {
  hostId: string;
  status: 'up' | 'down';
  at: number;
  lastSeenAt: number;
}

/** Reply row of `msec.deploy.hosts.list`. */
export interface HostView {
  hostId: string;
  ip: string;
  status: 'up' | 'down';
  lastSeenAt: number;
  intervalMs: number;
  metrics: HostMetrics | null;
  instances: InstanceReport[];
  /** Set while the host is offline for maintenance: out of routing and of new releases. */
  offline?: HostOfflineView;
}

/** Why and since when a host is offline. */
export interface HostOfflineView {
  since: number;
  by: string;
  reason: string;
}

/** One enrolment token as listed (never the secret). */
export interface HostEnrollmentView {
  id: string;
  hostId: string;
  createdAt: number;
  expiresAt: number;
  /** Who created it, `user (role)`. */
  createdBy: string;
  /** When the agent redeemed it; null while unused. */
  redeemedAt: number | null;
  /** The address the redemption came from, as the gateway saw it. */
  redeemedFrom: string | null;
  revokedAt: number | null;
}

/** A new enrolment token: the only time the secret is shown. */
export interface HostEnrollmentCreated extends HostEnrollmentView {
  token: string;
}

/** What redeeming an enrolment token hands the new host: everything its agent needs to join. */
export interface HostEnrollmentGrant {
  hostId: string;
  /** The .creds text of the identity `agent-<hostId>`. */
  natsCreds: string;
  /** The console key the agent verifies commands with (PEM, public). */
  consoleKeyId: string;
  consolePublicKey: string;
  /** The NATS address agents use, when the console knows one (`agentNatsUrl`); null otherwise. */
  natsUrl: string | null;
}
