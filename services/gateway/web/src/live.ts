import type { LiveEvent } from '@msec/contracts';
import { useEffect, useState } from 'react';

/** One event pushed by the gateway from `msec.events.>`. */
export type { LiveEvent };

type Listener = (e: LiveEvent) => void;
const listeners = new Set<Listener>();
const statusListeners = new Set<(up: boolean) => void>();
let source: EventSource | undefined;
let connected = false;

function setConnected(up: boolean): void {
  connected = up;
  statusListeners.forEach((l) => l(up));
}

/** Opens the one SSE connection of the page (EventSource reconnects by itself). */
export function startLive(): void {
  if (source) return;
  source = new EventSource('/api/v1/events/stream');
  source.onopen = () => setConnected(true);
  source.onerror = () => setConnected(false);
  source.addEventListener('msec', (m) => {
    const event = JSON.parse((m as MessageEvent<string>).data) as LiveEvent;
    listeners.forEach((l) => l(event));
  });
}

/** Closes it at logout. */
export function stopLive(): void {
  source?.close();
  source = undefined;
  setConnected(false);
}

/** The last `max` live events, newest first. */
export function useLiveEvents(max = 20): LiveEvent[] {
  const [events, setEvents] = useState<LiveEvent[]>([]);
  useEffect(() => {
    const l: Listener = (e) => setEvents((prev) => [e, ...prev].slice(0, max));
    listeners.add(l);
    return () => void listeners.delete(l);
  }, [max]);
  return events;
}

/** Whether the live stream is connected. */
export function useLiveStatus(): boolean {
  const [up, setUp] = useState(connected);
  useEffect(() => {
    statusListeners.add(setUp);
    return () => void statusListeners.delete(setUp);
  }, []);
  return up;
}
