/**
 * Key inside LOG_COLOUR_BUCKET (next to the colouring rules, which every SDK already watches) whose value is the
 * JSON of TraceSamplingSettings: trace sampling set from the console, per service.
 */
export const LOG_TRACE_SAMPLING_KEY = 'trace-sampling';

/** How one service's entry module samples requests for tracing. */
export interface TraceSampling {
  /** Share of the requests entering at the service that are traced, 0–1. */
  rate: number;
  /** Most traces one process of the service starts per second. */
  maxPerSecond: number;
}

/** The value under LOG_TRACE_SAMPLING_KEY: settings by `First.Second` service name; a service not listed keeps its environment's. */
export interface TraceSamplingSettings {
  services: Record<string, TraceSampling>;
}

/** The settings of one service in a LOG_TRACE_SAMPLING_KEY value, or undefined when absent or malformed. */
export function traceSamplingFor(text: string, service: string): TraceSampling | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<TraceSamplingSettings> | null;
    const entry = parsed?.services?.[service] as Partial<TraceSampling> | undefined;
    if (entry === undefined || entry === null) return undefined;
    const { rate, maxPerSecond } = entry;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) return undefined;
    if (typeof maxPerSecond !== 'number' || !Number.isInteger(maxPerSecond) || maxPerSecond < 0) return undefined;
    return { rate, maxPerSecond };
  } catch {
    return undefined;
  }
}
