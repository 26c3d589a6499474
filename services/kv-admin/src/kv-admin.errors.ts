import { MsecError, ValidationError } from '@msec/contracts';

/** Error codes kv-admin raises on purpose. */
export const KvErrorCode = {
  clusterNotFound: 'KV_CLUSTER_NOT_FOUND',
  clusterExists: 'KV_CLUSTER_EXISTS',
  confirmMismatch: 'KV_CONFIRM_MISMATCH',
  operationInProgress: 'KV_OPERATION_IN_PROGRESS',
  operationNotFound: 'KV_OPERATION_NOT_FOUND',
  operationNotResumable: 'KV_OPERATION_NOT_RESUMABLE',
  nodeUnreachable: 'KV_NODE_UNREACHABLE',
  seedsUnreachable: 'KV_SEEDS_UNREACHABLE',
  nodeAuthFailed: 'KV_NODE_AUTH_FAILED',
  passwordUnreadable: 'KV_PASSWORD_UNREADABLE',
  nodeNotEmpty: 'KV_NODE_NOT_EMPTY',
  nodeNotFound: 'KV_NODE_NOT_FOUND',
  clusterUnhealthy: 'KV_CLUSTER_UNHEALTHY',
  stepFailed: 'KV_STEP_FAILED',
} as const;
/** One kv-admin error code. */
export type KvErrorCode = (typeof KvErrorCode)[keyof typeof KvErrorCode];

/** A node refused the cluster's password (or asked for one that was not given). */
export function nodeAuthFailed(address: string, reply: string): MsecError {
  return new MsecError(
    KvErrorCode.nodeAuthFailed,
    `node ${address} refused authentication (${reply.split(' ')[0]}); give the cluster's password (requirepass) in "password"`,
    { status: 400, data: { field: 'password', node: address } },
  );
}

/** Bad input: names the field and how to fix it. */
export function badInput(field: string, message: string, data: Record<string, unknown> = {}): ValidationError {
  return new ValidationError(field, message, data);
}

/** No cluster registered under that name. */
export function clusterNotFound(name: string): MsecError {
  return new MsecError(KvErrorCode.clusterNotFound, `no KV cluster named "${name}"; list them with msec.kv.clusters.list`, {
    status: 404,
    data: { cluster: name },
  });
}

/** A cluster with that name is already registered. */
export function clusterExists(name: string): MsecError {
  return new MsecError(KvErrorCode.clusterExists, `a KV cluster named "${name}" is already registered; pick another name`, {
    status: 409,
    data: { cluster: name },
  });
}

/** A destructive request whose confirm field does not repeat the cluster name. */
export function confirmMismatch(name: string): MsecError {
  return new MsecError(KvErrorCode.confirmMismatch, `confirm: this operation is destructive; set confirm to the cluster name "${name}"`, {
    status: 400,
    data: { field: 'confirm', cluster: name },
  });
}

/** Another operation is queued or running on the cluster. */
export function operationInProgress(name: string, operationId: string): MsecError {
  return new MsecError(
    KvErrorCode.operationInProgress,
    `cluster "${name}" already has operation ${operationId} queued or running; wait for it or resume it`,
    {
      status: 409,
      retryable: true,
      data: { cluster: name, operationId },
    },
  );
}

/** No operation with that id. */
export function operationNotFound(id: string): MsecError {
  return new MsecError(KvErrorCode.operationNotFound, `no KV operation with id "${id}"`, { status: 404, data: { operationId: id } });
}

/** Only failed operations can be resumed. */
export function operationNotResumable(id: string, status: string): MsecError {
  return new MsecError(KvErrorCode.operationNotResumable, `operation ${id} is ${status}; only a failed operation can be resumed`, {
    status: 409,
    data: { operationId: id, status },
  });
}

/** A Redis node did not answer. */
export function nodeUnreachable(address: string, cause: unknown): MsecError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new MsecError(KvErrorCode.nodeUnreachable, `Redis node ${address} did not answer: ${reason}`, {
    status: 503,
    retryable: true,
    data: { node: address },
    cause,
  });
}

/** No seed given to register a cluster answered: the caller's addresses are wrong or the nodes are down. */
export function seedsUnreachable(seeds: readonly string[], cause: unknown): MsecError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new MsecError(
    KvErrorCode.seedsUnreachable,
    `seeds: no seed answered (${reason}); give host:port of a running node of the cluster, reachable from kv-admin`,
    { status: 422, data: { field: 'seeds', seeds }, cause },
  );
}

/** A node meant to join holds data or knows other nodes. */
export function nodeNotEmpty(address: string, reason: string): MsecError {
  return new MsecError(
    KvErrorCode.nodeNotEmpty,
    `node ${address} is not an empty cluster node (${reason}); use a freshly started cluster-enabled node`,
    {
      status: 409,
      data: { node: address },
    },
  );
}

/** A node named in a request is not part of the cluster. */
export function nodeNotFound(cluster: string, node: string): MsecError {
  return new MsecError(
    KvErrorCode.nodeNotFound,
    `node "${node}" is not part of cluster "${cluster}"; use a node id or host:port from its topology`,
    {
      status: 404,
      data: { cluster, node },
    },
  );
}

/** The cluster is in a state the operation cannot start from. */
export function clusterUnhealthy(cluster: string, reason: string): MsecError {
  return new MsecError(KvErrorCode.clusterUnhealthy, `cluster "${cluster}": ${reason}`, { status: 409, data: { cluster } });
}

/** A step of an operation failed; the operation can be resumed. */
export function stepFailed(step: string, reason: string): MsecError {
  return new MsecError(KvErrorCode.stepFailed, `${step}: ${reason}`, { status: 500, retryable: true, data: { step } });
}
