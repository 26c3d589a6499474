import { MsecError } from '@msec/contracts';
import { parseZkAuth, ZkAclPolicy } from '@msec/nlb';
import { ConfigType, commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

/** What is wrong with a `user:password[,…]` value, or undefined. */
function zkAuthProblem(value: string): string | undefined {
  try {
    parseZkAuth(value);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^zkAuth: /, '');
  }
}

/** Every key the registry reads, with its environment variable and default. */
export const registryConfigSchema = {
  ...commonConfigFields,
  zkConnect: { type: ConfigType.string, env: 'MSEC_ZK_CONNECT', default: '127.0.0.1:2181', description: 'ZooKeeper host:port list' },
  zkAuth: {
    type: ConfigType.string,
    env: 'MSEC_ZK_AUTH',
    default: '',
    check: zkAuthProblem,
    description: "the registry's ZooKeeper digest identity, msec-registry:password; empty leaves the service tree open (no ACLs)",
  },
  zkReaderAuth: {
    type: ConfigType.string,
    env: 'MSEC_ZK_READER_AUTH',
    default: '',
    check: zkAuthProblem,
    description: 'the shared read identity, msec-reader:password, granted READ on the tree (required with zkAuth)',
  },
  zkServiceSecret: {
    type: ConfigType.string,
    env: 'MSEC_ZK_SERVICE_SECRET',
    default: '',
    description: 'secret the svc-<Service> identities are derived from (required with zkAuth)',
  },
} as const;

/** The registry's validated, frozen configuration. */
export type RegistryConfig = ConfigOf<typeof registryConfigSchema>;

/** Injection token of RegistryConfig. */
export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');

/** Reads the registry's configuration from the environment; stops start-up naming every bad key. */
export function loadRegistryConfig(env: NodeJS.ProcessEnv = process.env): RegistryConfig {
  const config = resolveConfig(registryConfigSchema, {}, env, 'registry configuration');
  const problems: string[] = [];
  if (config.zkAuth !== '') {
    if (parseZkAuth(config.zkAuth).length !== 1) problems.push('zkAuth (MSEC_ZK_AUTH): give exactly one identity, msec-registry:password');
    if (config.zkReaderAuth === '') problems.push('zkReaderAuth (MSEC_ZK_READER_AUTH): required with zkAuth; give msec-reader:password');
    else if (parseZkAuth(config.zkReaderAuth).length !== 1)
      problems.push('zkReaderAuth (MSEC_ZK_READER_AUTH): give exactly one identity, msec-reader:password');
    if (config.zkServiceSecret.length < 16)
      problems.push('zkServiceSecret (MSEC_ZK_SERVICE_SECRET): required with zkAuth; give a random secret of at least 16 characters');
  }
  if (problems.length > 0)
    throw new MsecError('CONFIG_INVALID', `invalid registry configuration:\n  - ${problems.join('\n  - ')}`, {
      status: 400,
      data: { problems, fields: problems.map((p) => p.split(' ')[0]) },
    });
  return config;
}

/** The registry's ZooKeeper identity and ACL policy; undefined when zkAuth is empty (open tree). */
export function registryZkAccess(config: RegistryConfig): { auth: ReturnType<typeof parseZkAuth>; acl: ZkAclPolicy } | undefined {
  if (config.zkAuth === '') return undefined;
  const [registry] = parseZkAuth(config.zkAuth);
  const [reader] = parseZkAuth(config.zkReaderAuth, 'zkReaderAuth');
  return { auth: [registry!], acl: new ZkAclPolicy({ registry: registry!, reader: reader!, serviceSecret: config.zkServiceSecret }) };
}
