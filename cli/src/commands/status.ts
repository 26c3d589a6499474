import type { LauncherConfig } from '../launcher-config.js';
import { msecHome } from '../paths.js';
import { pidAlive, readRunState } from '../launcher/run-state.js';
import { readRedisPassword } from '../launcher/zk-redis-secrets.js';
import { cliNatsOptions, connectForProbes, probeHealth } from '../launcher/health-probe.js';
import { green, red, say, bold } from '../output.js';
import { isPortTaken, redisPongs, zooKeeperIsOk } from '@msec/infra';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, type HostView, type InstanceReport } from '@msec/contracts';
import { natsRequest } from '@msec/platform';

/** Demo instances as the local agent last reported them (it restarts them, so pids change). */
async function agentInstances(nc: NatsConnection | undefined): Promise<Map<string, InstanceReport>> {
  const hosts = nc ? await natsRequest<HostView[]>(nc, DeploySubjects.hostsList, {}, 3000).catch(() => []) : [];
  return new Map(hosts.filter((h) => h.status === 'up').flatMap((h) => h.instances.map((i) => [i.name, i] as const)));
}

async function infraHealthy(name: string, url: string, config: LauncherConfig, redisPassword: string | undefined): Promise<boolean> {
  try {
    if (name === 'nats') {
      const nc = await connect({ ...cliNatsOptions(config), servers: url, timeout: 1500, reconnect: false });
      await nc.close();
      return true;
    }
    const { hostname, port } = new URL(name === 'zookeeper' ? `tcp://${url}` : url);
    return name === 'zookeeper' ? await zooKeeperIsOk(hostname, Number(port)) : await redisPongs(hostname, Number(port), redisPassword);
  } catch {
    return false;
  }
}

/** `msec status`: each component with pid, port and health; exit code 1 when anything is unhealthy. */
export async function status(config: LauncherConfig): Promise<number> {
  const state = readRunState(msecHome(config.homeDir).stateFile);
  if (!state || !pidAlive(state.launcherPid)) {
    say('msec is not running (start it with ./msec up)');
    return 3;
  }
  say(`${bold('console')} ${state.consoleUrl}   launcher pid ${state.launcherPid}, up since ${state.startedAt}`);
  say(`${'COMPONENT'.padEnd(12)} ${'PID'.padEnd(8)} ${'PORT'.padEnd(6)} ${'RESTARTS'.padEnd(8)} HEALTH`);
  const nc = await connectForProbes(state.natsUrl, config).catch(() => undefined);
  let unhealthy = 0;
  const instances = state.components.some((c) => c.kind === 'example') ? await agentInstances(nc) : new Map<string, InstanceReport>();
  for (const component of state.components) {
    let health: string;
    const instance = component.service ? instances.get(component.service) : undefined;
    if (instance) Object.assign(component, { pid: instance.pid ?? -1, port: instance.port, restarts: instance.restarts });
    if (component.kind === 'example' && component.service && !instance) health = red('not running on the local agent');
    else if (component.kind === 'example' && instance && instance.status !== 'running')
      health = red(`${instance.status} on the local agent`);
    else if (!pidAlive(component.pid)) health = red('down (process not running)');
    else if (component.kind === 'example')
      health = component.port !== undefined && (await isPortTaken(component.port)) ? green('healthy') : red('not listening');
    else if (component.kind === 'infra')
      health = (await infraHealthy(component.name, component.url ?? '', config, readRedisPassword(config.homeDir)))
        ? green('healthy')
        : red('not answering');
    else if (!nc) health = red('unknown (NATS unreachable)');
    else {
      const result = await probeHealth(nc, component.healthSubject ?? '');
      health = result.ok ? green('healthy') : red(`unhealthy: ${result.reason}`);
    }
    if (!health.includes('healthy') || health.includes('unhealthy')) unhealthy += 1;
    say(
      `${component.name.padEnd(12)} ${String(component.pid).padEnd(8)} ${String(component.port ?? '-').padEnd(6)} ${String(component.restarts).padEnd(8)} ${health}`,
    );
  }
  await nc?.close();
  return unhealthy === 0 ? 0 : 1;
}
