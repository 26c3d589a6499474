import {
  MonitorSubjects,
  type AttrInfo,
  type BreakersView,
  type CallerBreakerView,
  type CallsReply,
  type CurveReply,
} from '@msec/contracts';
import type { NatsForwarder } from '../http/nats-forwarder.js';

/** The attributes callers report about their breakers (`<attr>|<callee>|<method>`), as the SDK names them. */
const STATE_ATTR = 'msec.breaker.state';
const OPENED_ATTR = 'msec.breaker.opened';
const REFUSED_ATTR = 'msec.breaker.refused';
/** How far back the view looks. */
export const BREAKER_VIEW_MINUTES = 15;

/** The states in the order the SDK reports them as numbers (0, 1, 2). */
const STATES: readonly CallerBreakerView['state'][] = ['closed', 'half-open', 'open'];

/**
 * The circuit breakers callers keep for a service, from their per-minute reports in Monitoring: the callers are the
 * services that called it in the window (the call statistics), and for each the breaker attributes naming it.
 */
export async function breakersOf(nats: NatsForwarder, service: string, now = Date.now()): Promise<BreakersView> {
  const from = now - BREAKER_VIEW_MINUTES * 60_000;
  const calls = await nats.request<CallsReply>(MonitorSubjects.calls, { callee: service, from, to: now });
  const callers = [...new Set(calls.rows.map((row) => row.caller))].filter((caller) => !caller.startsWith('unknown@'));
  const views = new Map<string, CallerBreakerView>();
  const days = [...new Set([from, now].map((t) => new Date(t).toISOString().slice(0, 10)))];
  for (const caller of callers) {
    const attrs = await nats.request<AttrInfo[]>(MonitorSubjects.attrs, { service: caller });
    for (const { attr } of attrs) {
      const [name, callee, ...method] = attr.split('|');
      if (callee !== service || method.length === 0 || ![STATE_ATTR, OPENED_ATTR, REFUSED_ATTR].includes(name!)) continue;
      const key = `${caller}|${method.join('|')}`;
      const view = views.get(key) ?? { caller, method: method.join('|'), state: 'closed', stateAt: null, opened: 0, refused: 0 };
      views.set(key, view);
      for (const day of days) {
        const curve = await nats.request<CurveReply>(MonitorSubjects.curve, { service: caller, attr, day });
        const dayStart = Date.parse(`${day}T00:00:00Z`);
        curve.values.forEach((value, minute) => {
          const at = dayStart + minute * 60_000;
          if (value === null || at < from - 60_000 || at > now) return;
          if (name === OPENED_ATTR) view.opened += value;
          else if (name === REFUSED_ATTR) view.refused += value;
          else if (view.stateAt === null || at >= view.stateAt) {
            view.stateAt = at;
            view.state = STATES[Math.max(0, Math.min(2, Math.round(value)))]!;
          }
        });
      }
    }
  }
  return {
    service,
    minutes: BREAKER_VIEW_MINUTES,
    breakers: [...views.values()].sort((a, b) => a.caller.localeCompare(b.caller) || a.method.localeCompare(b.method)),
  };
}
