import { MsecError } from '@msec/contracts';

/** Stable codes of the errors this lib raises. */
export const NlbErrorCode = {
  invalidServiceName: 'NLB_INVALID_SERVICE_NAME',
  invalidRoute: 'NLB_INVALID_ROUTE',
  noRoute: 'NLB_NO_ROUTE',
  unknownStrategy: 'NLB_UNKNOWN_STRATEGY',
  invalidOption: 'NLB_INVALID_OPTION',
  zooKeeperUnavailable: 'NLB_ZOOKEEPER_UNAVAILABLE',
  closed: 'NLB_CLOSED',
} as const;
/** One of the codes in NlbErrorCode. */
export type NlbErrorCode = (typeof NlbErrorCode)[keyof typeof NlbErrorCode];

/** An error raised by route lookup or selection. */
export class NlbError extends MsecError {
  constructor(code: string, message: string, options: ConstructorParameters<typeof MsecError>[2] = {}) {
    super(code, message, options);
    this.name = 'NlbError';
  }
}

export const invalidServiceName = (name: string): NlbError =>
  new NlbError(
    NlbErrorCode.invalidServiceName,
    `service: '${name}' is not a service name; use First.Second (letters, digits, underscore, each part starting with a letter)`,
    { status: 400, data: { field: 'service', value: name } },
  );

export const invalidRoute = (path: string, why: string): NlbError =>
  new NlbError(NlbErrorCode.invalidRoute, `route at ${path} is ignored: ${why}`, { status: 422, data: { path } });

export const noRoute = (service: string, known: number): NlbError =>
  new NlbError(
    NlbErrorCode.noRoute,
    known === 0
      ? `service ${service} has no instances in the route table; check the name and that it is scaled out`
      : `service ${service} has ${known} instances but none is both enabled and live; scale one out and check that its process is up`,
    { status: 503, retryable: true, data: { service, known } },
  );

export const unknownStrategy = (name: string, known: readonly string[]): NlbError =>
  new NlbError(NlbErrorCode.unknownStrategy, `strategy: '${name}' is unknown; use one of ${known.join(', ')}`, {
    status: 400,
    data: { field: 'strategy', value: name, known },
  });

export const invalidOption = (field: string, fix: string): NlbError =>
  new NlbError(NlbErrorCode.invalidOption, `${field}: ${fix}`, { status: 400, data: { field } });

export const zooKeeperUnavailable = (connect: string, service: string): NlbError =>
  new NlbError(
    NlbErrorCode.zooKeeperUnavailable,
    `routes of ${service} are not cached and ZooKeeper at ${connect} cannot be reached; start ZooKeeper or give a snapshotFile`,
    { status: 503, retryable: true, data: { connect, service } },
  );

export const closed = (): NlbError => new NlbError(NlbErrorCode.closed, 'the route cache is closed; create a new one', { status: 503 });
