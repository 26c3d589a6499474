import { MsecError, toErrorPayload, type ErrorPayload } from '@msec/contracts';
import type { RpcHead } from './rpc-head.js';
import { RPC_ERR_APPLICATION, RPC_ERR_NUMBERS, RpcError, errorFromPayload } from './rpc.errors.js';

/** The reply-head fields that carry an error: MSEC's numeric err and text, plus the typed payload. */
export function errorHeadFields(error: unknown): Pick<RpcHead, 'err' | 'errMsg' | 'errCode' | 'errStatus' | 'errRetryable' | 'errData'> {
  const payload = toErrorPayload(error);
  const fields: Pick<RpcHead, 'err' | 'errMsg' | 'errCode' | 'errStatus' | 'errRetryable' | 'errData'> = {
    err: RPC_ERR_NUMBERS[payload.code] ?? RPC_ERR_APPLICATION,
    errMsg: payload.message,
    errCode: payload.code,
    errStatus: payload.status,
    errRetryable: payload.retryable,
  };
  if (payload.data !== undefined) fields.errData = JSON.stringify(payload.data);
  return fields;
}

/** True when a reply head reports a failure. */
export function headIsError(head: RpcHead): boolean {
  return (head.err ?? 0) !== 0 || head.errCode !== undefined;
}

/** Rebuilds the typed error a reply head carries; a peer that sent only a number gets RPC_REMOTE_<n>. */
export function errorFromHead(head: RpcHead): RpcError {
  let data: Record<string, unknown> | undefined;
  if (head.errData !== undefined) {
    try {
      data = JSON.parse(head.errData) as Record<string, unknown>;
    } catch {
      data = { raw: head.errData };
    }
  }
  const payload: ErrorPayload = {
    code: head.errCode ?? `RPC_REMOTE_${head.err ?? 0}`,
    message: head.errMsg ?? 'remote error',
    status: head.errStatus ?? 500,
    retryable: head.errRetryable ?? false,
  };
  if (data !== undefined) payload.data = data;
  return errorFromPayload(payload);
}

/** True for errors raised on purpose (typed), false for bugs that should be logged. */
export function isExpectedError(error: unknown): boolean {
  return error instanceof MsecError;
}
