import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MsecError, agentIdentity, serviceIdentity } from '@msec/contracts';
import { NatsAccountSigner } from '@msec/contracts/nats-authority';
import type { LauncherConfig } from '../launcher-config.js';
import { msecHome } from '../paths.js';
import { serviceZkAuth } from '../launcher/zk-redis-secrets.js';
import { say } from '../output.js';

const USAGE = 'usage: msec credentials service NAME --out FILE | msec credentials host HOST_ID --out FILE';

/**
 * `msec credentials service NAME --out FILE`: the NATS .creds of a business service run outside an agent (and, in
 * `FILE.zk-auth`, its ZooKeeper identities);
 * `msec credentials host HOST_ID --out FILE`: those of another host's agent.
 * minted with the account seed in the launcher home (only whoever can read `<home>/secrets/` can do this).
 */
export async function credentials(config: LauncherConfig, positionals: string[], out: string | undefined): Promise<number> {
  const [kind, name] = positionals;
  if ((kind !== 'service' && kind !== 'host') || !name)
    throw new MsecError('CLI_BAD_ARGS', USAGE, { status: 400, data: { field: 'name' } });
  if (!out)
    throw new MsecError('CLI_BAD_ARGS', `--out: where to write the .creds file is required; ${USAGE}`, {
      status: 400,
      data: { field: 'out' },
    });
  const seed = join(msecHome(config.homeDir).natsSecrets, 'account-msec.nk');
  if (!existsSync(seed)) {
    throw new MsecError('CLI_BAD_ARGS', `no NATS account key in ${seed}: run ./msec up (with natsAuth on) on this machine first`, {
      status: 400,
      data: { field: 'home' },
    });
  }
  const signer = NatsAccountSigner.fromSeedFile(seed, seed);
  const creds = kind === 'host' ? await signer.agentCreds(name) : await signer.serviceCreds(name);
  const file = resolve(out);
  writeFileSync(file, creds, { mode: 0o600 });
  chmodSync(file, 0o600);
  if (kind === 'host') {
    say(`wrote ${file} (NATS identity ${agentIdentity(name)}); copy it to that host and start its agent with --creds`);
    return 0;
  }
  say(`wrote ${file} (NATS identity ${serviceIdentity(name)}); start the service with MSEC_NATS_CREDS=${file}`);
  // The ZooKeeper identities of the service (announce its own instances, read routes), when this home has them.
  const zkAuth = serviceZkAuth(config.homeDir, name);
  if (zkAuth !== undefined) {
    const zkFile = `${file}.zk-auth`;
    writeFileSync(zkFile, `${zkAuth}\n`, { mode: 0o600 });
    chmodSync(zkFile, 0o600);
    say(`wrote ${zkFile} (ZooKeeper identities svc-${name} and msec-reader); also set MSEC_ZK_AUTH="$(cat ${zkFile})"`);
  }
  return 0;
}
