import { MonitorEventType } from '@msec/contracts';
import { events } from '@msec/sdk';
import { GatewayApi } from './gateway-api.js';
import { LatencyAutoscaler, parseStandby, type AlarmEvent } from './latency-autoscaler.js';

// The latency autoscaler: see examples/automation/README.md. NATS comes from MSEC_NATS_URL / MSEC_NATS_CREDS as for any
// business service; the REST API from MSEC_API_URL and MSEC_API_TOKEN.
const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name}: not set; see examples/automation/README.md`);
  return value;
};

const autoscaler = new LatencyAutoscaler(new GatewayApi(need('MSEC_API_URL'), need('MSEC_API_TOKEN')), {
  latencyAttrs: (process.env.AUTOSCALE_LATENCY_ATTRS ?? 'latency_ms').split(',').map((a) => a.trim()),
  standby: parseStandby(need('AUTOSCALE_STANDBY'), 'AUTOSCALE_STANDBY'),
});
const subscription = await events.subscribe(
  [MonitorEventType.alarmFired, MonitorEventType.alarmRecovered],
  (event) => autoscaler.handle(event as AlarmEvent),
  { durable: process.env.AUTOSCALE_DURABLE ?? 'latency-autoscaler', retryDelayMs: 2_000 },
);
console.log(`latency autoscaler listening as ${subscription.durable}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void events.close().then(() => process.exit(0)));
}
