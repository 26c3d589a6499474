import type { MessageCodec } from './message-codec.js';
import { invalidMethodName } from './rpc.errors.js';

/** A method both ends agree on: its full name and the codecs of its request and response. */
export interface MethodDef<Req, Res> {
  /** `pkg.Service.Method`, as in the IDL. */
  readonly name: string;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
}

const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){2,}$/;

/** True when a name has the `pkg.Service.Method` shape (a package may itself be dotted). */
export function isMethodName(name: string): boolean {
  return METHOD_NAME.test(name);
}

/** Declares a method; throws RPC_INVALID_METHOD_NAME for a badly formed name. */
export function defineMethod<Req, Res>(name: string, request: MessageCodec<Req>, response: MessageCodec<Res>): MethodDef<Req, Res> {
  if (!isMethodName(name)) throw invalidMethodName(name);
  return Object.freeze({ name, request, response });
}
