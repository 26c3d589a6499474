import { MonitorEventType, type MonitorEventPayloads } from '@msec/contracts';
import type { GatewayApi } from './gateway-api.js';

/** What the autoscaler watches and what it may add. */
export interface AutoscalerOptions {
  /** Monitored attributes that mean latency (an alarm on any other attribute is ignored). */
  latencyAttrs: readonly string[];
  /** Standby instances (`ip:port`, already running) each service may be scaled out to, in the order they are used. */
  standby: Readonly<Record<string, readonly string[]>>;
}

/** An alarm event as the autoscaler receives it. */
export type AlarmEvent =
  | { type: typeof MonitorEventType.alarmFired; payload: MonitorEventPayloads['monitor.AlarmFired'] }
  | { type: typeof MonitorEventType.alarmRecovered; payload: MonitorEventPayloads['monitor.AlarmRecovered'] };

/**
 * When a latency alarm of a service fires, enables one more of its standby instances; when the alarm recovers,
 * disables the last standby instance that is enabled. Decisions come from the registry's current state, so a
 * repeated or late event changes nothing twice and a restarted autoscaler needs no memory of its own.
 */
export class LatencyAutoscaler {
  constructor(
    private readonly api: GatewayApi,
    private readonly options: AutoscalerOptions,
    private readonly log: (line: string) => void = (line) => console.log(line),
  ) {}

  /** Handles one monitor.AlarmFired or monitor.AlarmRecovered event; a throw makes the SDK bring it again later. */
  async handle(event: AlarmEvent): Promise<void> {
    const { service, attr } = event.payload;
    const standby = this.options.standby[service];
    if (!this.options.latencyAttrs.includes(attr) || standby === undefined || standby.length === 0) return;
    const enabled = new Set((await this.api.service(service)).instances.filter((i) => i.enabled).map((i) => `${i.ip}:${i.port}`));
    if (event.type === MonitorEventType.alarmFired) {
      const next = standby.find((address) => !enabled.has(address));
      if (next === undefined) return this.log(`${service}: ${attr} alarm, but every standby instance already serves`);
      await this.api.scaleOut(service, next);
      this.log(`${service}: ${attr} alarm (${event.payload.message}); scaled out to ${next}`);
    } else {
      const last = [...standby].reverse().find((address) => enabled.has(address));
      if (last === undefined) return;
      await this.api.scaleIn(service, last);
      this.log(`${service}: ${attr} recovered after ${event.payload.minutes} minute(s); scaled in ${last}`);
    }
  }
}

/** Parses `Service=ip:port,ip:port;Other=ip:port` into standby lists; the error names the variable and the fix. */
export function parseStandby(text: string, variable: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of text.split(';').filter((p) => p.trim() !== '')) {
    const [service, list] = part.split('=');
    const addresses = (list ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    if (!service?.trim() || addresses.length === 0 || !addresses.every((a) => /^[^\s:]+:\d{1,5}$/.test(a))) {
      throw new Error(
        `${variable}: give Service=ip:port[,ip:port…][;Service=…], e.g. Shop.cart=10.0.0.8:7000; got ${JSON.stringify(part)}`,
      );
    }
    out[service.trim()] = addresses;
  }
  if (Object.keys(out).length === 0) throw new Error(`${variable}: name at least one service and its standby instances`);
  return out;
}
