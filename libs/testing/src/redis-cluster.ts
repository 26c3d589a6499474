import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary, TEMP_DIR_PREFIX, startRedis, type InfraServer } from '@msec/infra';

const runFile = promisify(execFile);

/** A set of cluster-enabled redis-server nodes; formed into a cluster or left empty for kv-admin to form. */
export interface RedisNodes {
  nodes: InfraServer[];
  /** host:port of each node. */
  addresses: string[];
  /** The password every node requires, when started with one. */
  password: string | undefined;
  dispose(): Promise<void>;
}

/** Options of a set of cluster nodes. */
export interface RedisNodesOptions {
  /** One password for every node (`requirepass` and `masterauth`); default none, like a cluster a user registers. */
  password?: string;
}

/** Starts `count` empty cluster-enabled Redis nodes in one temp folder. */
export async function startRedisNodes(count = 6, options: RedisNodesOptions = {}): Promise<RedisNodes> {
  const root = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}redis-cluster-`));
  const nodes: InfraServer[] = [];
  const dispose = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i += 1) {
      nodes.push(await startRedis({ dir: join(root, `node-${i}`), clusterEnabled: true, password: options.password ?? null }));
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return { nodes, addresses: nodes.map((n) => `${n.host}:${n.port}`), password: options.password, dispose };
}

/** Starts six nodes and forms a 3-master, 3-replica cluster with redis-cli, waiting until it reports ok. */
export async function startRedisCluster(count = 6, replicas = 1, options: RedisNodesOptions = {}): Promise<RedisNodes> {
  const nodes = await startRedisNodes(count, options);
  try {
    const cli = requireBinary('redisCli');
    // redis-cli reads the password from REDISCLI_AUTH, so it never shows in the process list.
    const env = options.password === undefined ? process.env : { ...process.env, REDISCLI_AUTH: options.password };
    const run = (file: string, args: string[]): Promise<{ stdout: string }> => runFile(file, args, { env });
    await run(cli, ['--cluster', 'create', ...nodes.addresses, '--cluster-replicas', String(replicas), '--cluster-yes']);
    const [host, port] = nodes.addresses[0]!.split(':');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const { stdout: info } = await run(cli, ['-h', host!, '-p', port!, 'cluster', 'info']);
      const { stdout: table } = await run(cli, ['-h', host!, '-p', port!, 'cluster', 'nodes']);
      // Ready once every replica has attached, not merely when the slots are covered.
      const replicasAttached = (table.match(/\bslave\b/g) ?? []).length;
      if (info.includes('cluster_state:ok') && replicasAttached === count - Math.floor(count / (replicas + 1))) return nodes;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('redis cluster did not reach cluster_state:ok with every replica attached within 20 s');
  } catch (error) {
    await nodes.dispose();
    throw error;
  }
}
