import { MsecError, type CommandRequester } from '@msec/contracts';

/** Every error code the deploy service raises. */
export const DeployErrorCode = {
  agentRefused: 'DEPLOY_AGENT_REFUSED',
  agentUnreachable: 'DEPLOY_AGENT_UNREACHABLE',
  hostNotFound: 'DEPLOY_HOST_NOT_FOUND',
  hostDown: 'DEPLOY_HOST_DOWN',
  adminRequired: 'DEPLOY_ADMIN_REQUIRED',
  notFound: 'DEPLOY_NOT_FOUND',
  idlInvalid: 'DEPLOY_IDL_INVALID',
  packageInvalid: 'DEPLOY_PACKAGE_INVALID',
  packageTooLarge: 'DEPLOY_PACKAGE_TOO_LARGE',
  planInvalid: 'DEPLOY_PLAN_INVALID',
  planState: 'DEPLOY_PLAN_STATE',
  keyFile: 'DEPLOY_KEY_FILE',
  enrollTokenInvalid: 'DEPLOY_ENROLL_TOKEN_INVALID',
  enrollUnavailable: 'DEPLOY_ENROLL_UNAVAILABLE',
} as const;
/** One of the deploy service's error codes. */
export type DeployErrorCode = (typeof DeployErrorCode)[keyof typeof DeployErrorCode];

/** An agent answered a command with a refusal or a failure; data.agentCode carries its reason code. */
export function agentRefused(hostId: string, type: string, agentCode: string, reason: string): MsecError {
  return new MsecError(DeployErrorCode.agentRefused, `host ${hostId} did not run ${type}: ${agentCode} ${reason}`, {
    status: 502,
    data: { hostId, type, agentCode, reason },
  });
}

/** No agent answered on the host's command subject in time. */
export function agentUnreachable(hostId: string, type: string, cause: unknown): MsecError {
  return new MsecError(
    DeployErrorCode.agentUnreachable,
    `host ${hostId} did not answer ${type}: is its agent running and connected to NATS?`,
    {
      status: 504,
      retryable: true,
      data: { hostId, type },
      cause,
    },
  );
}

/** Deploy marked the host down (no heartbeat) while a command to it was waiting, or before it was sent. */
export function hostDown(hostId: string, silentMs: number): MsecError {
  return new MsecError(DeployErrorCode.hostDown, `host ${hostId} is down (no heartbeat for ${Math.round(silentMs / 1000)} s)`, {
    status: 503,
    retryable: true,
    data: { hostId, silentMs },
  });
}

/** A named thing (package, version, plan, host) does not exist. */
export function notFound(what: string, id: string): MsecError {
  return new MsecError(DeployErrorCode.notFound, `${what} ${id} does not exist; list them first`, { status: 404, data: { what, id } });
}

/** An IDL file protobufjs cannot compile. */
export function idlInvalid(file: string, reason: string): MsecError {
  return new MsecError(DeployErrorCode.idlInvalid, `${file} does not compile: ${reason}; fix the .proto and upload again`, {
    status: 400,
    data: { file },
  });
}

/** A package that is not a tar.gz with a valid manifest, or whose checksum does not match. */
export function packageInvalid(reason: string): MsecError {
  return new MsecError(DeployErrorCode.packageInvalid, `package rejected: ${reason}`, { status: 400, data: {} });
}

/** A package over the configured size limit (MSEC_PACKAGE_MAX_BYTES). */
export function packageTooLarge(bytes: number, maxBytes: number): MsecError {
  return new MsecError(
    DeployErrorCode.packageTooLarge,
    `package is ${bytes} bytes; at most ${maxBytes} (MSEC_PACKAGE_MAX_BYTES of the deploy service): drop what the host provides (node_modules) or raise the limit`,
    { status: 413, data: { bytes, maxBytes } },
  );
}

/** A release plan that cannot run as given. */
export function planInvalid(field: string, reason: string): MsecError {
  return new MsecError(DeployErrorCode.planInvalid, `${field}: ${reason}`, { status: 400, data: { field } });
}

/** A release plan in a state that does not allow the request. */
export function planState(planId: string, state: string, wanted: string): MsecError {
  return new MsecError(DeployErrorCode.planState, `plan ${planId} is ${state}; cannot ${wanted}`, { status: 409, data: { planId, state } });
}

/** The console key files cannot be read or written. */
export function keyFileError(file: string, cause: unknown): MsecError {
  return new MsecError(DeployErrorCode.keyFile, `cannot use console key ${file}: ${String(cause)}; check MSEC_DATA_DIR permissions`, {
    status: 500,
    data: { file },
    cause,
  });
}

/** The host never sent a heartbeat to this deploy service. */
/** Only an admin may have deploy sign this (exec, file transfer, key rotation), whoever relays the request. */
export function adminRequired(actor: CommandRequester, what: string): MsecError {
  return new MsecError(
    DeployErrorCode.adminRequired,
    `${actor.user} (${actor.role}) may not ${what}: only an admin may; ask an admin or use an admin account`,
    { status: 403, data: { field: 'actor.role', user: actor.user, role: actor.role } },
  );
}

export function hostNotFound(hostId: string): MsecError {
  return new MsecError(DeployErrorCode.hostNotFound, `host ${hostId} is not known: start its agent, then see msec.deploy.hosts.list`, {
    status: 404,
    data: { hostId },
  });
}

/** An enrolment token that is unknown, expired, revoked or already used (one answer for all, so tokens cannot be probed). */
export function enrollTokenInvalid(): MsecError {
  return new MsecError(
    DeployErrorCode.enrollTokenInvalid,
    'token: this enrolment token is unknown, expired, revoked or already used; ask an admin for a new one (./msec hosts enroll HOST)',
    { status: 403, data: { field: 'token' } },
  );
}

/** Deploy cannot mint NATS credentials (it runs without the account key), so hosts cannot enrol through it. */
export function enrollUnavailable(): MsecError {
  return new MsecError(
    DeployErrorCode.enrollUnavailable,
    'deploy has no NATS account key (natsAccountSeed, MSEC_NATS_ACCOUNT_SEED), so it cannot mint host credentials; ' +
      'start it as ./msec up does, or give the host creds from ./msec credentials host HOST --out FILE',
    { status: 503 },
  );
}

/** A config or IDL version with this tag exists (also when a concurrent request stored it first). */
export function tagTaken(service: string, tag: string, what: 'config' | 'IDL'): MsecError {
  return new MsecError('VALIDATION_FAILED', `tag: ${service} already has ${what} ${tag}; pick a new tag`, {
    status: 409,
    data: { field: 'tag' },
  });
}
