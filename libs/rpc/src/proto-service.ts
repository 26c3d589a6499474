import protobuf from 'protobufjs';
import { protobufCodec } from './message-codec.js';
import { defineMethod, type MethodDef } from './method.js';
import { RpcError, RpcErrorCode } from './rpc.errors.js';

/** A method bound from a .proto service, marked idempotent or not. */
export type BoundMethod = MethodDef<Record<string, unknown>, Record<string, unknown>> & {
  readonly idempotent: boolean;
  readonly shortName: string;
};

/** Every method of one .proto service, by its short name (`queryFlight`). */
export interface BoundService {
  /** `package.service`, e.g. `flight.flight_service`. */
  readonly name: string;
  readonly methods: Readonly<Record<string, BoundMethod>>;
}

const IDEMPOTENT_LEVELS = new Set(['IDEMPOTENT', 'NO_SIDE_EFFECTS']);

/**
 * Loads .proto files (proto2 or proto3) keeping field names as written, so JSON bodies match the IDL and the
 * reference's files load unchanged.
 */
export async function loadProto(paths: string | string[]): Promise<protobuf.Root> {
  const root = new protobuf.Root();
  await root.load(paths, { keepCase: true });
  root.resolveAll();
  return root;
}

/** Parses .proto text (same rules as loadProto). */
export function parseProto(source: string): protobuf.Root {
  const root = protobuf.parse(source, { keepCase: true }).root;
  root.resolveAll();
  return root;
}

/**
 * Binds a service of a loaded Root: a MethodDef per rpc, named `package.service.method`. A method is idempotent
 * (safe to retry on another instance) when the IDL says `option idempotency_level = IDEMPOTENT;` (or
 * NO_SIDE_EFFECTS) or when it is listed in `options.idempotent`.
 */
export function bindService(root: protobuf.Root, serviceName: string, options: { idempotent?: readonly string[] } = {}): BoundService {
  let service: protobuf.Service;
  try {
    service = root.lookupService(serviceName);
  } catch (cause) {
    throw new RpcError(RpcErrorCode.invalidOption, `service: '${serviceName}' is not in the IDL; give its full name, package.service`, {
      status: 400,
      data: { field: 'service', value: serviceName },
      cause,
    });
  }
  const fullName = service.fullName.replace(/^\./, '');
  const listed = new Set(options.idempotent ?? []);
  const methods: Record<string, BoundMethod> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const level = method.options?.idempotency_level as string | undefined;
    const idempotent = listed.has(method.name) || (level !== undefined && IDEMPOTENT_LEVELS.has(level));
    const def = defineMethod(
      `${fullName}.${method.name}`,
      protobufCodec<Record<string, unknown>>(method.resolvedRequestType!),
      protobufCodec<Record<string, unknown>>(method.resolvedResponseType!),
    );
    methods[method.name] = Object.freeze({ ...def, idempotent, shortName: method.name });
  }
  return Object.freeze({ name: fullName, methods: Object.freeze(methods) });
}
