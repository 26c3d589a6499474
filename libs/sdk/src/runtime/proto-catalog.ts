import protobuf from 'protobufjs';
import { bindService, loadProto, type BoundService } from '@msec/rpc';

/** Where an IDL comes from: a .proto path, several, or an already loaded Root. */
export type ProtoSource = string | string[] | protobuf.Root;

const loadedRoots: protobuf.Root[] = [];
const byPath = new Map<string, Promise<protobuf.Root>>();

/** Loads (once per path) and remembers an IDL, so clients can find services by name later. */
export async function useProto(source: ProtoSource): Promise<protobuf.Root> {
  if (source instanceof protobuf.Root) {
    if (!loadedRoots.includes(source)) loadedRoots.push(source);
    return source;
  }
  const key = Array.isArray(source) ? source.join('\n') : source;
  let pending = byPath.get(key);
  if (!pending) {
    pending = loadProto(source).then((root) => {
      loadedRoots.push(root);
      return root;
    });
    byPath.set(key, pending);
  }
  return pending;
}

/** Binds `package.service` from the given IDL, or from any IDL loaded so far. */
export async function findService(serviceName: string, source?: ProtoSource, idempotent?: readonly string[]): Promise<BoundService> {
  if (source !== undefined) return bindService(await useProto(source), serviceName, { idempotent: idempotent ?? [] });
  for (const root of loadedRoots) {
    try {
      return bindService(root, serviceName, { idempotent: idempotent ?? [] });
    } catch {
      // not in this IDL; try the next
    }
  }
  throw new Error(`proto: no loaded IDL defines ${serviceName}; pass { proto: 'path/to/file.proto' } or call useProto first`);
}
