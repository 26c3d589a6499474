import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallContext } from '@msec/rpc';

const scope = new AsyncLocalStorage<CallContext>();

/** Runs a handler with its call as the ambient parent of every client call it makes. */
export function runInCall<T>(context: CallContext, work: () => T): T {
  return scope.run(context, work);
}

/** The call being served right now, if any: its deadline, trace and colour flow into downstream calls. */
export function currentCall(): CallContext | undefined {
  return scope.getStore();
}
