import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MsecError, type HostEnrollmentGrant } from '@msec/contracts';

/** What an enrolled agent keeps in its folder so later starts need no flags but `--dir`. */
export interface AgentEnrolment {
  hostId: string;
  natsUrl: string;
  natsCreds: string;
  consoleKey: string;
  /** SHA-256 of the token redeemed (hex): a restart given the same token again uses these files instead. */
  tokenSha256?: string;
}

const tokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The file in the agent's folder that remembers its enrolment. */
export const ENROLMENT_FILE = 'enrolment.json';

function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * Redeems a one-time token at the gateway (no login: the token is the proof) and writes what the agent needs into
 * `dir`: its NATS creds and the console key (0600, in a 0700 folder), plus `enrolment.json`.
 */
export async function redeemEnrolment(
  gateway: string,
  token: string,
  dir: string,
  natsUrlOverride: string | undefined,
): Promise<AgentEnrolment> {
  const url = `${gateway.replace(/\/+$/, '')}/api/v1/hosts/enroll`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new MsecError(
      'AGENT_ENROL_FAILED',
      `MSEC_GATEWAY_URL (--gateway): cannot reach ${url} (${error instanceof Error ? error.message : String(error)}); give the console's URL`,
      {
        status: 400,
        data: { field: 'gateway' },
      },
    );
  }
  const body = (await response.json().catch(() => ({}))) as Partial<HostEnrollmentGrant> & { error?: { code?: string; message?: string } };
  if (!response.ok || typeof body.natsCreds !== 'string' || typeof body.hostId !== 'string') {
    const reason = body.error?.message ?? 'no reason given';
    throw new MsecError(
      body.error?.code ?? 'AGENT_ENROL_FAILED',
      `MSEC_ENROLL_TOKEN (--enroll): the console refused the token (${response.status}): ${reason}`,
      {
        status: response.status,
        data: { field: 'enroll' },
      },
    );
  }
  const natsUrl = natsUrlOverride ?? body.natsUrl;
  if (!natsUrl)
    throw new MsecError(
      'AGENT_ENROL_FAILED',
      'MSEC_NATS_URL (--nats): the console hands out no NATS address; give the one this host reaches',
      {
        status: 400,
        data: { field: 'nats' },
      },
    );
  const home = resolve(dir);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
  const enrolment: AgentEnrolment = {
    hostId: body.hostId,
    natsUrl,
    natsCreds: join(home, `agent-${body.hostId}.creds`),
    consoleKey: join(home, 'console.pub'),
    tokenSha256: tokenDigest(token),
  };
  writePrivate(enrolment.natsCreds, body.natsCreds);
  writePrivate(enrolment.consoleKey, body.consolePublicKey ?? '');
  writePrivate(join(home, ENROLMENT_FILE), `${JSON.stringify(enrolment, null, 2)}\n`);
  return enrolment;
}

/** The enrolment remembered in `dir`, if the agent there was enrolled. */
export function readEnrolment(dir: string): AgentEnrolment | undefined {
  const file = join(resolve(dir), ENROLMENT_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AgentEnrolment;
  } catch (error) {
    throw new MsecError(
      'AGENT_ENROL_FAILED',
      `${file} is not valid JSON (${String(error)}); enrol again with a new token (MSEC_ENROLL_TOKEN, --enroll)`,
      {
        status: 400,
        data: { field: 'dir' },
      },
    );
  }
}

/**
 * Before the agent reads its configuration: with `MSEC_ENROLL_TOKEN` (and `MSEC_GATEWAY_URL`) it redeems the token into
 * `<MSEC_AGENT_DIR>/enrolment/`; otherwise an earlier enrolment found there fills the variables left unset. Returns
 * the host id it enrolled as, when it did now.
 */
export async function applyEnrolment(env: NodeJS.ProcessEnv, defaultDir: string): Promise<string | undefined> {
  const dir = join(env.MSEC_AGENT_DIR || defaultDir, 'enrolment');
  const token = env.MSEC_ENROLL_TOKEN;
  let enrolled: AgentEnrolment | undefined;
  // A supervisor restarting the agent with its first command line passes the spent token again: that is no new enrolment.
  let earlier: AgentEnrolment | undefined;
  try {
    earlier = readEnrolment(dir);
  } catch (error) {
    // A damaged file is replaced by a new enrolment; without a token it is the error to report.
    if (!token) throw error;
  }
  if (token && earlier?.tokenSha256 === tokenDigest(token)) delete env.MSEC_ENROLL_TOKEN;
  else if (token) {
    if (!env.MSEC_GATEWAY_URL)
      throw new MsecError('AGENT_ENROL_FAILED', 'MSEC_GATEWAY_URL (--gateway): the console URL is required with an enrolment token', {
        status: 400,
        data: { field: 'gateway' },
      });
    enrolled = await redeemEnrolment(env.MSEC_GATEWAY_URL, token, dir, env.MSEC_NATS_URL || undefined);
    // The token is spent: later starts use the files, and a restart must not try it again.
    delete env.MSEC_ENROLL_TOKEN;
  }
  const enrolment = enrolled ?? earlier;
  if (enrolment) {
    env.MSEC_HOST_ID ||= enrolment.hostId;
    env.MSEC_NATS_URL ||= enrolment.natsUrl;
    env.MSEC_NATS_CREDS ||= enrolment.natsCreds;
    env.MSEC_CONSOLE_KEY ||= enrolment.consoleKey;
  }
  return enrolled?.hostId;
}
