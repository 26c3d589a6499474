"""Typed errors as they cross MSEC RPC: {code, message, status, retryable, data} (docs/errors.md)."""

import json


class MsecError(Exception):
    """An error with a stable code; raised by a handler it reaches the caller with the same fields."""

    def __init__(self, code, message, status=500, retryable=False, data=None):
        super().__init__(message)
        self.code, self.message, self.status, self.retryable, self.data = code, message, status, retryable, data or {}

    def __repr__(self):
        return f"MsecError({self.code}: {self.message})"


# Head `err` numbers of MSEC-TS (docs/rpc.md) for the codes that have one; any other typed error is -1000.
ERR_NUMBERS = {
    "RPC_FRAME_INVALID": -1001, "RPC_HEAD_INVALID": -1002, "RPC_BAD_REQUEST": -1003, "RPC_METHOD_NOT_FOUND": -1004,
    "RPC_DEADLINE_EXCEEDED": -1005, "RPC_OVERLOADED": -1006, "RPC_UNAVAILABLE": -1007, "INTERNAL": -1099,
}


def bad_request(message):
    return MsecError("RPC_BAD_REQUEST", message, 400)


def method_not_found(method):
    return MsecError("RPC_METHOD_NOT_FOUND", f"no method {method} here", 404)


def head_fields(error: MsecError) -> dict:
    """The reply head fields of a failed call."""
    return {
        "err": ERR_NUMBERS.get(error.code, -1000), "errMsg": error.message, "errCode": error.code,
        "errStatus": error.status, "errRetryable": error.retryable, "errData": json.dumps(error.data),
    }


def from_head(head: dict) -> MsecError:
    """The typed error a reply head carries (an original MSEC peer's bare number becomes RPC_REMOTE_<n>)."""
    code = head.get("errCode") or f"RPC_REMOTE_{head.get('err')}"
    try:
        data = json.loads(head.get("errData") or "{}")
    except ValueError:
        data = {}
    return MsecError(code, head.get("errMsg") or code, head.get("errStatus") or 500, bool(head.get("errRetryable")), data)


def payload(error: MsecError) -> dict:
    return {"code": error.code, "message": error.message, "status": error.status, "retryable": error.retryable, "data": error.data}
