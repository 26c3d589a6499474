import zookeeper from 'node-zookeeper-client';
import { authenticate, type ZkIdentity } from './zk-acl.js';

/** True for a ZooKeeper exception with the given code. */
export function isZkCode(error: unknown, code: number): boolean {
  return error instanceof zookeeper.Exception && error.getCode() === code;
}

/** Connects a client presenting `auth`, and resolves once the session is up, or rejects after `timeoutMs`. */
export function connectClient(
  connect: string,
  sessionTimeoutMs: number,
  timeoutMs: number,
  auth: readonly ZkIdentity[] = [],
): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(connect, { sessionTimeout: sessionTimeoutMs, spinDelay: 200, retries: 1 });
  authenticate(client, auth);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`no ZooKeeper session with ${connect} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

/** How long one writer operation may wait for ZooKeeper before failing. */
export const ZK_OP_TIMEOUT_MS = 15_000;

/** Resolves once the client has a live session: requests sent while it reconnects can be lost. */
function connected(client: zookeeper.Client, path: string): Promise<void> {
  if (client.getState() === zookeeper.State.SYNC_CONNECTED) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('connected', onConnected);
      reject(new Error(`no ZooKeeper session to write ${path} within ${ZK_OP_TIMEOUT_MS} ms`));
    }, ZK_OP_TIMEOUT_MS);
    const onConnected = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('connected', onConnected);
  });
}

/** Runs one callback-style client call as a promise that cannot hang forever. */
async function op<T>(
  client: zookeeper.Client,
  path: string,
  run: (done: (error: Error | zookeeper.Exception | null, value?: T) => void) => void,
): Promise<T> {
  await connected(client, path);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ZooKeeper did not answer for ${path} within ${ZK_OP_TIMEOUT_MS} ms`)),
      ZK_OP_TIMEOUT_MS,
    );
    run((error, value) => {
      clearTimeout(timer);
      if (error) reject(error instanceof Error ? error : new Error(error.toString()));
      else resolve(value as T);
    });
  });
}

/** Promise forms of the few client calls the writer needs. */
export const zk = {
  mkdirp: (c: zookeeper.Client, path: string): Promise<void> => op(c, path, (done) => c.mkdirp(path, (e) => done(e))),
  create: (c: zookeeper.Client, path: string, data: Buffer | undefined, mode: number, acl?: zookeeper.ACL[]): Promise<void> =>
    op(c, path, (done) =>
      acl
        ? c.create(path, data ?? Buffer.alloc(0), acl, mode, (e) => done(e))
        : c.create(path, data ?? Buffer.alloc(0), mode, (e) => done(e)),
    ),
  getChildren: (c: zookeeper.Client, path: string): Promise<string[]> =>
    op(c, path, (done) => c.getChildren(path, (e, children) => done(e, children))),
  getACL: (c: zookeeper.Client, path: string): Promise<zookeeper.ACL[]> => op(c, path, (done) => c.getACL(path, (e, acl) => done(e, acl))),
  setACL: (c: zookeeper.Client, path: string, acl: zookeeper.ACL[]): Promise<void> =>
    op(c, path, (done) => c.setACL(path, acl, -1, (e) => done(e))),
  setData: (c: zookeeper.Client, path: string, data: Buffer): Promise<void> => op(c, path, (done) => c.setData(path, data, (e) => done(e))),
  getData: (c: zookeeper.Client, path: string): Promise<Buffer> => op(c, path, (done) => c.getData(path, (e, data) => done(e, data))),
  remove: (c: zookeeper.Client, path: string): Promise<void> => op(c, path, (done) => c.remove(path, (e) => done(e))),
};
