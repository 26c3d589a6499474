import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { nextAgentHeartbeat } from '@msec/testing';
import {
  DeploySubjects,
  publicKeyId,
  signCommand,
  type CanonicalValue,
  type CommandEnvelope,
  type CommandReply,
  type SignedCommand,
} from '@msec/contracts';

/** dist/src/main.js of the agent, from dist/test/helpers. */
export const AGENT_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.js');

/** An Ed25519 key pair as the console holds it. */
export interface ConsoleKey {
  privateKey: KeyObject;
  publicPem: string;
  keyId: string;
}

/** Generates a console key pair. */
export function consoleKey(): ConsoleKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: publicKeyId(publicKey) };
}

/** Builds an envelope valid for 30 s. */
export function envelope(
  hostId: string,
  type: string,
  args: { [key: string]: CanonicalValue },
  overrides: Partial<CommandEnvelope> = {},
): CommandEnvelope {
  const now = Date.now();
  return {
    v: 1,
    hostId,
    commandId: randomUUID(),
    issuedAt: now,
    expiresAt: now + 30_000,
    nonce: randomBytes(16).toString('hex'),
    type,
    args,
    ...overrides,
  };
}

/** Signs an envelope with a console key. */
export function signed(key: ConsoleKey, env: CommandEnvelope): SignedCommand {
  return signCommand(env, key.privateKey, key.keyId);
}

/** Sends a raw command and returns the agent's reply. */
export async function send(nc: NatsConnection, hostId: string, command: unknown, timeoutMs = 10_000): Promise<CommandReply> {
  const reply = await nc.request(DeploySubjects.agentCommand(hostId), JSON.stringify(command), { timeout: timeoutMs });
  return reply.json<CommandReply>();
}

/** One agent process on a loopback address. */
export class AgentProcess {
  child: ChildProcess | null = null;
  output = '';
  /** More environment for the agent (config keys a test sets). */
  env: NodeJS.ProcessEnv = {};

  constructor(
    readonly hostId: string,
    readonly hostIp: string,
    readonly stateDir: string,
    readonly keyFile: string,
    private readonly natsEnv: Record<string, string>,
    private readonly heartbeatMs = 500,
  ) {
    mkdirSync(stateDir, { recursive: true });
  }

  /** Writes a PEM console key as this agent's key file. */
  static writeKey(file: string, pem: string): string {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, pem);
    return file;
  }

  /** Starts the agent and waits for its first heartbeat. */
  async start(nc: NatsConnection): Promise<void> {
    const first = nextAgentHeartbeat(nc, this.hostId, 20_000);
    this.child = spawn(process.execPath, [AGENT_MAIN], {
      env: {
        ...process.env,
        ...this.natsEnv,
        MSEC_HOST_ID: this.hostId,
        MSEC_HOST_IP: this.hostIp,
        MSEC_CONSOLE_KEY: this.keyFile,
        MSEC_AGENT_DIR: this.stateDir,
        MSEC_AGENT_HEARTBEAT_MS: String(this.heartbeatMs),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    try {
      await first;
    } catch (error) {
      throw new Error(`${String(error)}\nagent output:\n${this.output}`);
    }
  }

  /** Stops the agent with a signal and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
