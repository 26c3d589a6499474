import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MsecError } from '@msec/contracts';
import { REPO_ROOT } from '../paths.js';
import { AGENT_NODE_FLAGS } from '../launcher/component-catalog.js';

/** Flags of `msec agent`, mapped onto the agent's environment variables. */
const AGENT_FLAGS: Record<string, string> = {
  nats: 'MSEC_NATS_URL',
  'host-id': 'MSEC_HOST_ID',
  'console-key': 'MSEC_CONSOLE_KEY',
  dir: 'MSEC_AGENT_DIR',
  ip: 'MSEC_HOST_IP',
  creds: 'MSEC_NATS_CREDS',
  'tls-ca': 'MSEC_NATS_TLS_CA',
  enroll: 'MSEC_ENROLL_TOKEN',
  gateway: 'MSEC_GATEWAY_URL',
};
/** Where the agent keeps its state when `--dir` is not given (the agent's own default). */
const DEFAULT_AGENT_DIR = '.msec/agent';

const badFlag = (flag: string, message: string): MsecError =>
  new MsecError('CLI_BAD_ARGS', `--${flag}${message}`, { status: 400, data: { field: flag } });

/**
 * `msec agent --enroll TOKEN --gateway URL [--nats URL] [--dir DIR] [--ip IP]`: the agent joins with a one-time token
 * from `msec hosts enroll` (it fetches its creds and the console key into DIR/enrolment), then runs; later starts need
 * only `--dir`. Or, with files given by hand: `msec agent --nats URL --host-id ID --console-key PUBKEY_FILE --creds FILE
 * [--tls-ca FILE] [--dir DIR] [--ip IP]`. Runs in the foreground.
 */
export async function agent(flags: Record<string, string | true>): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [flag, value] of Object.entries(flags)) {
    const variable = AGENT_FLAGS[flag];
    if (variable === undefined) {
      const known = Object.keys(AGENT_FLAGS)
        .map((f) => `--${f}`)
        .join(', ');
      throw badFlag(flag, `: unknown flag; msec agent takes ${known}`);
    }
    if (value === true) throw badFlag(flag, ' needs a value');
    env[variable] = value;
  }
  env.MSEC_AGENT_DIR ||= DEFAULT_AGENT_DIR;
  const enrolling = Boolean(env.MSEC_ENROLL_TOKEN);
  const enrolled = existsSync(join(env.MSEC_AGENT_DIR, 'enrolment', 'enrolment.json'));
  if (enrolling && !env.MSEC_GATEWAY_URL) throw badFlag('gateway', ' is required with --enroll: the console URL, e.g. http://console:8080');
  if (!enrolling && !enrolled) {
    for (const required of ['nats', 'host-id', 'console-key']) {
      if (env[AGENT_FLAGS[required]!] === undefined) throw badFlag(required, ' is required (or enrol with --enroll TOKEN --gateway URL)');
    }
    if (!existsSync(env.MSEC_CONSOLE_KEY!)) {
      throw badFlag(
        'console-key',
        `: ${env.MSEC_CONSOLE_KEY} does not exist; enrol this host (./msec hosts enroll HOST) or copy the console key`,
      );
    }
  }
  // The agent itself redeems the token (or reads its earlier enrolment): the same code as the packaged agent's.
  const child = spawn(process.execPath, ['--enable-source-maps', ...AGENT_NODE_FLAGS, join(REPO_ROOT, 'agent', 'dist', 'src', 'main.js')], {
    env,
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
