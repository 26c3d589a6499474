import { formatZkAuth, parseZkAuth, serviceIdentity } from '@msec/nlb';

/**
 * The environment that gives a released instance its own credentials: MSEC_ZK_AUTH with its `svc-<Service>`
 * identity (announce and withdraw its own live node, nothing else) and the shared reader (read routes). Deploy
 * derives them from the service secret, so an agent only ever learns the identities of the services it runs.
 */
export class InstanceCredentials {
  constructor(private readonly zk: { zkReaderAuth: string; zkServiceSecret: string }) {}

  /** Variables to add to the instance's environment (none when ZooKeeper ACLs are off). */
  env(service: string): Record<string, string> {
    if (this.zk.zkServiceSecret === '') return {};
    const identities = [serviceIdentity(this.zk.zkServiceSecret, service), ...parseZkAuth(this.zk.zkReaderAuth, 'zkReaderAuth')];
    return { MSEC_ZK_AUTH: formatZkAuth(identities) };
  }
}
