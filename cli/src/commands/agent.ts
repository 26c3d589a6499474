import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MsecError } from '@msec/contracts';
import { REPO_ROOT } from '../paths.js';
import { say } from '../output.js';
import { readEnrolment, redeemEnrolment, type AgentEnrolment } from './agent-enrolment.js';

/** Flags of `msec agent`, mapped onto the agent's environment variables. */
const AGENT_FLAGS: Record<string, string> = {
  nats: 'MSEC_NATS_URL',
  'host-id': 'MSEC_HOST_ID',
  'console-key': 'MSEC_CONSOLE_KEY',
  dir: 'MSEC_AGENT_DIR',
  ip: 'MSEC_HOST_IP',
  creds: 'MSEC_NATS_CREDS',
  'tls-ca': 'MSEC_NATS_TLS_CA',
};
/** Flags that only steer enrolment; they map onto no variable. */
const ENROL_FLAGS = ['enroll', 'gateway'];
/** Where the agent keeps its state when `--dir` is not given (the agent's own default). */
const DEFAULT_AGENT_DIR = '.msec/agent';

/** Fills what the enrolment provides and the flags left out. */
function applyEnrolment(env: NodeJS.ProcessEnv, enrolment: AgentEnrolment): void {
  env.MSEC_HOST_ID ??= enrolment.hostId;
  env.MSEC_NATS_URL ??= enrolment.natsUrl;
  env.MSEC_NATS_CREDS ??= enrolment.natsCreds;
  env.MSEC_CONSOLE_KEY ??= enrolment.consoleKey;
}

/**
 * `msec agent --enroll TOKEN --gateway URL [--nats URL] [--dir DIR] [--ip IP]`: joins with a one-time token from
 * `msec hosts enroll` (creds and console key are fetched and kept in DIR), then runs the agent; later starts need only
 * `--dir`. Or, with files given by hand: `msec agent --nats URL --host-id ID --console-key PUBKEY_FILE --creds FILE
 * [--tls-ca FILE] [--dir DIR] [--ip IP]`. Runs in the foreground.
 */
export async function agent(flags: Record<string, string | true>): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [flag, value] of Object.entries(flags)) {
    if (ENROL_FLAGS.includes(flag)) {
      if (value === true) throw new MsecError('CLI_BAD_ARGS', `--${flag} needs a value`, { status: 400, data: { field: flag } });
      continue;
    }
    const variable = AGENT_FLAGS[flag];
    if (variable === undefined) {
      throw new MsecError(
        'CLI_BAD_ARGS',
        `--${flag}: unknown flag; msec agent takes ${Object.keys(AGENT_FLAGS)
          .concat(ENROL_FLAGS)
          .map((f) => `--${f}`)
          .join(', ')}`,
        { status: 400, data: { field: flag } },
      );
    }
    if (value === true) throw new MsecError('CLI_BAD_ARGS', `--${flag} needs a value`, { status: 400, data: { field: flag } });
    env[variable] = value;
  }
  const dir = typeof flags.dir === 'string' ? flags.dir : DEFAULT_AGENT_DIR;
  env.MSEC_AGENT_DIR = dir;
  if (typeof flags.enroll === 'string') {
    if (typeof flags.gateway !== 'string')
      throw new MsecError('CLI_BAD_ARGS', '--gateway is required with --enroll: the console URL, e.g. http://console:8080', {
        status: 400,
        data: { field: 'gateway' },
      });
    const enrolment = await redeemEnrolment(flags.gateway, flags.enroll, join(dir, 'enrolment'), env.MSEC_NATS_URL);
    say(`enrolled as host ${enrolment.hostId}; next time start this agent with: ./msec agent --dir ${dir}`);
    applyEnrolment(env, enrolment);
  } else {
    const enrolment = readEnrolment(join(dir, 'enrolment'));
    if (enrolment) applyEnrolment(env, enrolment);
  }
  for (const required of ['nats', 'host-id', 'console-key']) {
    if (env[AGENT_FLAGS[required]!] === undefined)
      throw new MsecError('CLI_BAD_ARGS', `--${required} is required (or enrol with --enroll TOKEN --gateway URL)`, {
        status: 400,
        data: { field: required },
      });
  }
  if (!existsSync(env.MSEC_CONSOLE_KEY!)) {
    throw new MsecError(
      'CLI_BAD_ARGS',
      `--console-key: ${env.MSEC_CONSOLE_KEY} does not exist; copy the console's public key (.msec/data/keys/console.pub) to this host`,
      {
        status: 400,
        data: { field: 'console-key' },
      },
    );
  }
  const child = spawn(process.execPath, ['--enable-source-maps', join(REPO_ROOT, 'agent', 'dist', 'src', 'main.js')], {
    env,
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
