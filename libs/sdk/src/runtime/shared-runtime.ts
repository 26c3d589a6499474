import { join } from 'node:path';
import { Nlb, ZkRouteCache } from '@msec/nlb';
import { RoutedClient, RpcClient, type CallListener } from '@msec/rpc';
import { readSdkEnvironment, type SdkEnvironment } from '../config/sdk-env.js';

/** What every client in a process shares: one connection pool, one route cache, one adaptive selector. */
export interface SharedRuntime {
  env: SdkEnvironment;
  rpc: RpcClient;
  /** Undefined when no ZooKeeper is configured (direct addresses only). */
  routed: RoutedClient | undefined;
  nlb: Nlb | undefined;
  routes: ZkRouteCache | undefined;
}

let shared: SharedRuntime | undefined;
const callListeners: CallListener[] = [];

/** Adds a listener told about every finished client call (monitoring and tracing plug in here). */
export function onClientCall(listener: CallListener): void {
  callListeners.push(listener);
}

/** The process's shared runtime, created from the environment on first use. */
export function sharedRuntime(): SharedRuntime {
  if (shared) return shared;
  const env = readSdkEnvironment();
  const onCall: CallListener = (event) => {
    for (const listener of callListeners) listener(event);
  };
  const rpc = new RpcClient({ caller: env.service, onCall });
  let routes: ZkRouteCache | undefined;
  let nlb: Nlb | undefined;
  let routed: RoutedClient | undefined;
  if (env.zkConnect) {
    routes = new ZkRouteCache({
      connect: env.zkConnect,
      auth: env.zkAuth,
      snapshotFile: join(env.dataDir, 'routes', `${env.service ?? 'client'}${env.port ? `-${env.port}` : ''}.json`),
    });
    nlb = new Nlb({ routes });
    routed = new RoutedClient({ router: nlb, client: rpc });
  }
  shared = { env, rpc, routed, nlb, routes };
  return shared;
}

/** Closes connections and the ZooKeeper session (end of process or tests). */
export function closeSharedRuntime(): void {
  shared?.rpc.close();
  shared?.routes?.close();
  shared = undefined;
}
