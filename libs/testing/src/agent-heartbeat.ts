import type { NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, type AgentHeartbeat } from '@msec/contracts';

/** Waits for the next heartbeat an agent with this host id publishes; fails naming the host after timeoutMs. */
export function nextAgentHeartbeat(nc: NatsConnection, hostId: string, timeoutMs = 10_000): Promise<AgentHeartbeat> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`no heartbeat from ${hostId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = nc.subscribe(DeploySubjects.agentHeartbeat(hostId), {
      callback: (_e, msg) => {
        const hb = msg.json<AgentHeartbeat>();
        if (hb.hostId !== hostId) return;
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(hb);
      },
    });
  });
}
