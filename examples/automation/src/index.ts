/** The latency autoscaler: scale a service out on a latency alarm and back in when it clears. */
export { LatencyAutoscaler, parseStandby } from './latency-autoscaler.js';
export type { AlarmEvent, AutoscalerOptions } from './latency-autoscaler.js';
/** The public REST calls it makes. */
export { GatewayApi } from './gateway-api.js';
