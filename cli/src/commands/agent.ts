import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MsecError } from '@msec/contracts';
import { REPO_ROOT } from '../paths.js';

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

/**
 * `msec agent --nats URL --host-id ID --console-key PUBKEY_FILE [--creds FILE] [--tls-ca FILE] [--dir DIR] [--ip IP]`:
 * runs a host agent in the foreground (`--creds`: this host's NATS identity, `agent-<ID>.creds`).
 */
export async function agent(flags: Record<string, string | true>): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [flag, value] of Object.entries(flags)) {
    const variable = AGENT_FLAGS[flag];
    if (variable === undefined) {
      throw new MsecError(
        'CLI_BAD_ARGS',
        `--${flag}: unknown flag; msec agent takes ${Object.keys(AGENT_FLAGS)
          .map((f) => `--${f}`)
          .join(', ')}`,
        { status: 400, data: { field: flag } },
      );
    }
    if (value === true) throw new MsecError('CLI_BAD_ARGS', `--${flag} needs a value`, { status: 400, data: { field: flag } });
    env[variable] = value;
  }
  for (const required of ['nats', 'host-id', 'console-key']) {
    if (env[AGENT_FLAGS[required]!] === undefined)
      throw new MsecError('CLI_BAD_ARGS', `--${required} is required`, { status: 400, data: { field: required } });
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
