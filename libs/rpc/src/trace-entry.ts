import { newId, nextId } from './ids.js';
import { ReceivedHead } from './received-head.js';
import type { RpcHead } from './rpc-head.js';

/** Says whether a request that entered at this module is traced (the SDK's rate-and-cap sampler is one). */
export type TraceSampler = () => boolean;

/**
 * What the module a request entered decides for it, once: whether it is traced (always when coloured, else the
 * sampler's say; never without a sampler), a trace id when the head has none (a legacy MSEC client's `flow_id`, as
 * decimal text, else a new id), and a span id for this call. A head that already carries them is left alone.
 */
export function enterTrace(head: RpcHead, sample: TraceSampler | undefined): void {
  if (head.traced === undefined) head.traced = head.coloring === 1 || (sample !== undefined && sample()) ? 1 : 0;
  if (head instanceof ReceivedHead) {
    // Ids stay bytes of the frame, or numbers, until something reads them.
    if (!head.hasTraceId) {
      if (head.flowId) head.traceId = String(head.flowId);
      else head.newTraceNo(nextId());
    }
    if (!head.hasSpanId) head.newSpanNo(nextId());
    return;
  }
  if (head.traceId === undefined) head.traceId = head.flowId ? String(head.flowId) : newId();
  if (head.spanId === undefined) head.spanId = newId();
}
