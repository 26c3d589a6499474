import { MsecError, ValidationError } from '@msec/contracts';

/** Stable codes raised by the registry. */
export const RegistryErrorCode = {
  serviceNotFound: 'REGISTRY_SERVICE_NOT_FOUND',
  serviceExists: 'REGISTRY_SERVICE_EXISTS',
  serviceNotEmpty: 'REGISTRY_SERVICE_NOT_EMPTY',
  instanceNotFound: 'REGISTRY_INSTANCE_NOT_FOUND',
  instanceExists: 'REGISTRY_INSTANCE_EXISTS',
  instanceEnabled: 'REGISTRY_INSTANCE_ENABLED',
} as const;
/** One of RegistryErrorCode. */
export type RegistryErrorCode = (typeof RegistryErrorCode)[keyof typeof RegistryErrorCode];

/** No service by that name. */
export const serviceNotFound = (name: string): MsecError =>
  new MsecError(RegistryErrorCode.serviceNotFound, `service ${name} does not exist; create it first (msec service create ${name})`, {
    status: 404,
    data: { field: 'service', service: name },
  });

/** A service by that name exists already. */
export const serviceExists = (name: string): MsecError =>
  new MsecError(RegistryErrorCode.serviceExists, `service ${name} already exists`, { status: 409, data: { field: 'name', service: name } });

/** A service still has instances. */
export const serviceNotEmpty = (name: string, count: number): MsecError =>
  new MsecError(RegistryErrorCode.serviceNotEmpty, `service ${name} still has ${count} instance(s); scale in and remove them first`, {
    status: 409,
    data: { field: 'name', service: name },
  });

/** No instance at that address. */
export const instanceNotFound = (service: string, key: string): MsecError =>
  new MsecError(RegistryErrorCode.instanceNotFound, `service ${service} has no instance ${key}; add it first`, {
    status: 404,
    data: { field: 'instances', instance: key },
  });

/** The address is already an instance. */
export const instanceExists = (service: string, key: string): MsecError =>
  new MsecError(RegistryErrorCode.instanceExists, `${key} is already an instance of ${service}; ip:port must be unique within a service`, {
    status: 409,
    data: { field: 'instances', instance: key },
  });

/** An enabled instance cannot be removed. */
export const instanceEnabled = (service: string, key: string): MsecError =>
  new MsecError(RegistryErrorCode.instanceEnabled, `${key} of ${service} is serving; scale it in before removing it`, {
    status: 409,
    data: { field: 'instances', instance: key },
  });

/** A field failed validation. */
export const invalid = (field: string, message: string): ValidationError => new ValidationError(field, message);
