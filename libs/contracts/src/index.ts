export { MsecError, ValidationError, isErrorPayload, toErrorPayload } from './msec-error.js';
export type { ErrorPayload, MsecErrorOptions } from './msec-error.js';
export { Component, COMPONENTS_IN_START_ORDER, Subjects } from './subjects.js';
export type { DependencyHealth, HealthReport } from './health.js';
